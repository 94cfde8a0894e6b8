import type { FlagContext, FlagResolver, ModeDecision } from '../../../flags/flag-resolver.ts';
import type { Mode } from '../../routing/route.ts';

/** A FlagResolver whose modes tests set directly (fakes over jest.mock, as Unleash does). */
export class FakeFlagResolver implements FlagResolver {
  readonly modes = new Map<string, Mode>();
  ready = true;
  killSwitch = false;

  decide(flagName: string, _context: FlagContext): ModeDecision {
    const mode = this.currentMode(flagName);
    return { mode, serve: mode === 'new' ? 'new' : 'legacy' };
  }

  currentMode(flagName: string): Mode {
    return this.killSwitch ? 'legacy' : (this.modes.get(flagName) ?? 'legacy');
  }

  killSwitchOn(): boolean {
    return this.killSwitch;
  }

  isReady(): boolean {
    return this.ready;
  }

  async stop(): Promise<void> {}
}
