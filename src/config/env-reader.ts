export type Env = Readonly<Record<string, string | undefined>>;

/** Reads typed settings from the environment, collecting every problem instead of stopping at one. */
export class EnvReader {
  readonly problems: string[] = [];
  private readonly env: Env;

  constructor(env: Env) {
    this.env = env;
  }

  str(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  int(name: string, fallback: number, min: number, max: number): number {
    return this.numberIn(name, fallback, min, max, 'an integer');
  }

  /** A decimal number such as `0.001` or `1.2`. */
  num(name: string, fallback: number, min: number, max: number): number {
    return this.numberIn(name, fallback, min, max, 'a number');
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    if (raw === 'true' || raw === 'false') return raw === 'true';
    this.problems.push(`${name} must be "true" or "false" (got "${raw}")`);
    return fallback;
  }

  url(name: string, protocols: readonly string[]): string | undefined {
    const raw = this.str(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        this.problems.push(`${name} must use ${protocols.join(' or ')} (got "${parsed.protocol}")`);
      }
      return raw;
    } catch {
      this.problems.push(`${name} is not a valid URL`);
      return undefined;
    }
  }

  /** One of `allowed`, or `fallback` when unset; anything else is a problem. */
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T;
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: undefined): T | undefined;
  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T | undefined {
    const raw = this.str(name) ?? fallback;
    if (raw === undefined || (allowed as readonly string[]).includes(raw)) return raw as T | undefined;
    this.problems.push(`${name} must be ${allowed.map((a) => `"${a}"`).join(' or ')} (got "${raw}")`);
    return fallback;
  }

  private numberIn(
    name: string,
    fallback: number,
    min: number,
    max: number,
    kind: 'an integer' | 'a number',
  ): number {
    const raw = this.str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    const valid = kind === 'an integer' ? Number.isInteger(n) : Number.isFinite(n);
    if (!valid || n < min || n > max) {
      this.problems.push(`${name} must be ${kind} between ${min} and ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  }
}
