export class BadRequestError extends Error {
  readonly status = 400;
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'BadRequestError';
    this.problems = problems;
  }
}
