// zod/mini, not classic zod: the same checks at a fraction of the functions' cold-start cost.
import * as z from 'zod/mini';

/** The pieces the configuration's schemas are made of, each with the message a mistake gets. */

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dnsLabel = (maxLength: number) =>
  z
    .string()
    .check(
      z.maxLength(maxLength, `must be at most ${maxLength} characters`),
      z.regex(
        DNS_LABEL,
        'must be lowercase letters, digits and "-", starting and ending with a letter or digit',
      ),
    );

export const absolutePath = z.string().check(z.startsWith('/', 'must be an absolute path'));
export const text = z.string().check(z.minLength(1, 'must not be empty'));
export const integer = (minimum: number, maximum: number) =>
  z.int().check(z.gte(minimum, `must be at least ${minimum}`), z.lte(maximum, `must be at most ${maximum}`));
export const withDefault = <T extends z.ZodMiniType>(schema: T, value: z.output<T>) =>
  z._default(schema, value as z.util.NoUndefined<z.output<T>>);
