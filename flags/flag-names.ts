import { flagNameFor } from '../src/routing/route.ts';
import { KILL_SWITCH_FLAG } from './flag-resolver.ts';

export { KILL_SWITCH_FLAG };

/** Every flag strangler reads starts with this, so one Unleash project can hold other apps' flags too. */
export const FLAG_PREFIX = 'strangler.';

/** `strangler.<route-id>`: the one flag that decides a route's mode (README.md, "Flags"). */
export function routeFlagName(routeId: string): string {
  return flagNameFor(routeId);
}

/** The route id a route flag belongs to, or undefined for the kill switch and foreign flags. */
export function routeIdOf(flagName: string): string | undefined {
  if (!flagName.startsWith(FLAG_PREFIX) || flagName === KILL_SWITCH_FLAG) return undefined;
  const id = flagName.slice(FLAG_PREFIX.length);
  return id === '' ? undefined : id;
}
