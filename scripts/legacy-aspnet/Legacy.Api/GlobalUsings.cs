// The namespaces every controller uses, said once for the project.
global using System.ComponentModel.DataAnnotations;
global using Legacy.Api.Contracts;
global using Legacy.Api.Data;
global using Legacy.Api.Infrastructure;
global using Microsoft.AspNetCore.Authorization;
global using Microsoft.AspNetCore.Mvc;
global using Microsoft.EntityFrameworkCore;
