import { describe, expect, it } from 'vitest';
import { compareQuantities } from '../../lib/config/kubernetesQuantity.ts';

describe('compareQuantities', () => {
  const ordered: [string, '<' | '=' | '>', string][] = [
    ['500m', '<', '1'],
    ['1000m', '=', '1'],
    ['0.5', '=', '500m'],
    ['100m', '<', '0.2'],
    ['512Mi', '<', '1Gi'],
    ['1024Mi', '=', '1Gi'],
    ['1G', '<', '1Gi'],
    ['1.5Gi', '=', '1536Mi'],
    ['2.5G', '>', '2G'],
    ['1k', '=', '1000'],
    ['1Ki', '>', '1k'],
    ['10Ti', '<', '11T'],
    ['1T', '=', '1000G'],
    ['0.001', '=', '1m'],
  ];

  it.each(ordered)('finds %s %s %s, exactly', (left, expected, right) => {
    // Act
    const order = compareQuantities(left, right);

    // Assess
    expect(order < 0 ? '<' : order > 0 ? '>' : '=').toBe(expected);
  });

  it('refuses a unit Kubernetes does not know, rather than guessing', () => {
    expect(() => compareQuantities('4GB', '1Gi')).toThrow('"4GB" is not a Kubernetes quantity');
  });
});
