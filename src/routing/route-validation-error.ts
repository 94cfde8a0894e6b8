/**
 * Every problem found in the route records, reported together so a bad declaration is fixed in one
 * go (YARP's config validators do the same) instead of one restart per mistake.
 */
export class RouteValidationError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      `Invalid route table (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'RouteValidationError';
    this.problems = Object.freeze([...problems]);
  }
}
