/*
 * The demo's three customers. Each owns some of the demo squads (and through them their athletes and
 * wellness entries), so a token for one organisation shows what tenant isolation hides from the others.
 */

export interface DemoOrganisation {
  readonly id: string;
  readonly name: string;
  /** The demo squads (by name) this organisation owns. */
  readonly squads: readonly string[];
}

export const DEMO_ORGANISATIONS: readonly DemoOrganisation[] = [
  {
    id: '8f14e45f-ceea-467a-9575-0d1f2c3b4a01',
    name: 'Harbour City FC',
    squads: ['First Team', 'U23'],
  },
  {
    id: '8f14e45f-ceea-467a-9575-0d1f2c3b4a02',
    name: 'Northside Women',
    squads: ["Women's First Team", "Women's U21"],
  },
  {
    id: '8f14e45f-ceea-467a-9575-0d1f2c3b4a03',
    name: 'Valley Academy',
    squads: ['Academy U18'],
  },
];

/** The organisation by its name, compared without case; undefined when there is none. */
export function demoOrganisationNamed(name: string): DemoOrganisation | undefined {
  const wanted = name.trim().toLowerCase();
  return DEMO_ORGANISATIONS.find((organisation) => organisation.name.toLowerCase() === wanted);
}

export function organisationOfSquad(squadName: string): DemoOrganisation {
  const owner = DEMO_ORGANISATIONS.find((organisation) => organisation.squads.includes(squadName));
  if (!owner) throw new Error(`no demo organisation owns the squad ${squadName}`);
  return owner;
}
