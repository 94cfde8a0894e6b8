/*
 * `npm run demo:token -- --org "Harbour City FC" --scopes "athletes:read wellness:read"`: prints an
 * access token from the demo's issuer (its key under DATA_DIR), for curl's `-H "Authorization: Bearer …"`.
 */
import { cliOptions, integerOption, settingsOrExit } from '../cli-args.ts';
import { demoTokenSigner } from './demo-callers.ts';
import { demoIssuerSettings } from './demo-issuer-settings.ts';
import { DEMO_ORGANISATIONS, demoOrganisationNamed } from './demo-organisations.ts';

const USAGE = `usage: npm run demo:token -- --org <name> [--scopes "athletes:read athletes:write …"] [--role coach]
    [--expires-in 600] [--subject someone]
       npm run demo:token -- --list
  --org         the organisation the caller belongs to (--list prints their names)
  --scopes      space-separated scopes (default: athletes:read wellness:read)
  --role        an app role, e.g. coach (deleting an athlete needs it); repeatable
  --expires-in  seconds the token is valid (default 3600); negative gives an expired token
  --subject     the caller's id (sub; default one per organisation)
Needs the demo to have run once (npm start): the issuer's key is under DATA_DIR (default data).`;

// `--expires-in -600` is what a user types for an expired token; parseArgs would take -600 for an option.
function joinNegativeExpiry(args: readonly string[]): string[] {
  const joined: string[] = [];
  for (const arg of args) {
    if (joined.at(-1) === '--expires-in' && /^-\d+$/.test(arg))
      joined[joined.length - 1] = `--expires-in=${arg}`;
    else joined.push(arg);
  }
  return joined;
}

const values = cliOptions(
  {
    org: { type: 'string' },
    scopes: { type: 'string', default: 'athletes:read wellness:read' },
    role: { type: 'string', multiple: true },
    'expires-in': { type: 'string', default: '3600' },
    subject: { type: 'string' },
    list: { type: 'boolean', default: false },
  },
  USAGE,
  joinNegativeExpiry(process.argv.slice(2)),
);

if (values.list) {
  for (const organisation of DEMO_ORGANISATIONS) console.log(organisation.name);
  process.exit(0);
}

const settings = settingsOrExit(USAGE, (problems) => {
  const organisation = values.org === undefined ? undefined : demoOrganisationNamed(values.org);
  if (values.org === undefined) problems.push('--org is required (or --list)');
  else if (!organisation) {
    problems.push(
      `no demo organisation is named "${values.org}" (${DEMO_ORGANISATIONS.map((o) => o.name).join(', ')})`,
    );
  }
  return {
    organisation,
    expiresIn: integerOption(problems, '--expires-in', values['expires-in'], -31_536_000, 31_536_000),
    issuer: demoIssuerSettings(),
  };
});

const sign = await demoTokenSigner(settings.issuer).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
const token = await sign({
  organisationId: settings.organisation!.id,
  scopes: values.scopes.split(/\s+/).filter(Boolean),
  roles: values.role ?? [],
  expiresInSeconds: settings.expiresIn,
  ...(values.subject === undefined ? {} : { subject: values.subject }),
});
console.log(token);
