import { dotnetAvailable } from './legacy-aspnet.ts';

/**
 * Whether a suite that runs the real ASP.NET legacy app can run: it needs the .NET SDK. Without it the
 * suite is skipped with one line, except under CI=true, where a missing SDK is a failure.
 */
export function dotnetForSuite(suite: string): boolean {
  const available = dotnetAvailable();
  if (!available && process.env.CI === 'true') {
    throw new Error(`${suite}: CI=true but dotnet (the .NET 10 SDK) is not on PATH`);
  }
  if (!available) console.log(`skipping ${suite}: dotnet (the .NET 10 SDK) is not on PATH`);
  return available;
}
