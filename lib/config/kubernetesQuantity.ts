/** Each unit suffix the configuration accepts, as the fraction [numerator, denominator] it multiplies by. */
const SUFFIX_FACTOR = {
  '': [1n, 1n],
  m: [1n, 1000n],
  k: [10n ** 3n, 1n],
  M: [10n ** 6n, 1n],
  G: [10n ** 9n, 1n],
  T: [10n ** 12n, 1n],
  Ki: [2n ** 10n, 1n],
  Mi: [2n ** 20n, 1n],
  Gi: [2n ** 30n, 1n],
  Ti: [2n ** 40n, 1n],
} as const satisfies Record<string, readonly [bigint, bigint]>;

type Suffix = keyof typeof SUFFIX_FACTOR;

/** A Kubernetes quantity the configuration accepts: a decimal number and an optional unit suffix. */
export const QUANTITY = new RegExp(
  `^([0-9]+)(?:\\.([0-9]+))?(${Object.keys(SUFFIX_FACTOR).filter(Boolean).join('|')})?$`,
);

/**
 * Negative, zero or positive as `left` is less than, equal to or greater than `right`. Exact, as
 * Kubernetes compares them: "1G" is less than "1Gi", "1.5Gi" is "1536Mi". The client library's
 * quantityToScalar cannot be used: it throws on a decimal with a suffix such as "1.5Gi".
 */
export function compareQuantities(left: string, right: string): number {
  const [leftNumerator, leftDenominator] = asFraction(left);
  const [rightNumerator, rightDenominator] = asFraction(right);
  const difference = leftNumerator * rightDenominator - rightNumerator * leftDenominator;
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}

function asFraction(quantity: string): [bigint, bigint] {
  const match = QUANTITY.exec(quantity);
  if (!match) throw new Error(`"${quantity}" is not a Kubernetes quantity`);
  const [, whole = '', fraction = '', suffix = ''] = match;
  const [factorNumerator, factorDenominator] = SUFFIX_FACTOR[suffix as Suffix];
  return [BigInt(whole + fraction) * factorNumerator, 10n ** BigInt(fraction.length) * factorDenominator];
}
