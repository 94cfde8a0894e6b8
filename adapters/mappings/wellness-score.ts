/*
 * The daily wellness score, as the legacy .NET API computes it: the weighted answers divided
 * by 100 in decimal arithmetic and rounded with Math.Round's default, half to even, to one decimal.
 * Sleep and mood count up, soreness, fatigue and stress count down (6 - answer). The legacy stand-in and
 * the new handlers both call this one function, so they cannot drift apart.
 *
 * Computed in integer hundredths: a float division would turn e.g. 3.45 into 3.4499999… and round the
 * wrong way.
 */

export interface WellnessAnswers {
  readonly sleep: number;
  readonly soreness: number;
  readonly fatigue: number;
  readonly stress: number;
  readonly mood: number;
}

export class WellnessAnswerError extends RangeError {
  constructor(field: string, value: unknown) {
    super(`${field} must be an integer from 1 to 5 (got ${String(value)})`);
    this.name = 'WellnessAnswerError';
  }
}

function answer(field: keyof WellnessAnswers, value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 5) throw new WellnessAnswerError(field, value);
  return value;
}

/** The weighted sum in hundredths of a point (100..500). */
export function wellnessScoreHundredths(answers: WellnessAnswers): number {
  return (
    30 * answer('sleep', answers.sleep) +
    20 * (6 - answer('soreness', answers.soreness)) +
    20 * (6 - answer('fatigue', answers.fatigue)) +
    15 * (6 - answer('stress', answers.stress)) +
    15 * answer('mood', answers.mood)
  );
}

/** Rounds a non-negative integer number of hundredths to tenths, ties to the even tenth. */
export function roundHundredthsHalfEven(hundredths: number): number {
  const tenths = Math.floor(hundredths / 10);
  const rest = hundredths % 10;
  if (rest > 5) return tenths + 1;
  if (rest < 5) return tenths;
  return tenths % 2 === 0 ? tenths : tenths + 1;
}

/** The score as the fixed-scale decimal string stored in decimal(3,1) / numeric(3,1), e.g. '3.4'. */
export function computeWellnessScore(answers: WellnessAnswers): string {
  const tenths = roundHundredthsHalfEven(wellnessScoreHundredths(answers));
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}
