import type { WebhookSecretSource, WebhookSecrets } from '../ports.ts';
import { readSecretString } from './secretsManager.ts';

export interface SecretsManagerWebhookSecretsOptions {
  /** Reads the secret's value. @default Secrets Manager's GetSecretValue */
  read?: (secretId: string) => Promise<string | undefined>;
  secretArn: string;
  /** Serve the cached secret for this long. @default 300000 (5 minutes) */
  cacheMs?: number;
  /** Refetch on request no more often than this, so forged deliveries cannot flood Secrets Manager. @default 30000 */
  minRefreshIntervalMs?: number;
  now?: () => number;
}

/**
 * The webhook secret from Secrets Manager, cached. The value is the secret itself, or
 * `{"current": "...", "previous": "..."}` while rotating.
 */
export class SecretsManagerWebhookSecrets implements WebhookSecretSource {
  private readonly options: SecretsManagerWebhookSecretsOptions;
  private readonly now: () => number;
  private cached: { secrets: Promise<WebhookSecrets>; fetchedAt: number } | undefined;

  constructor(options: SecretsManagerWebhookSecretsOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get(options: { refresh?: boolean } = {}): Promise<WebhookSecrets> {
    const age = this.cached ? this.now() - this.cached.fetchedAt : Number.POSITIVE_INFINITY;
    const maxAge = options.refresh
      ? (this.options.minRefreshIntervalMs ?? 30_000)
      : (this.options.cacheMs ?? 300_000);
    if (!this.cached || age >= maxAge) {
      const secrets = this.fetch();
      const entry = { secrets, fetchedAt: this.now() };
      this.cached = entry;
      secrets.catch(() => {
        if (this.cached === entry) this.cached = undefined;
      });
    }
    return this.cached.secrets;
  }

  private async fetch(): Promise<WebhookSecrets> {
    const read = this.options.read ?? readSecretString;
    return parseWebhookSecrets(await read(this.options.secretArn), this.options.secretArn);
  }
}

export function parseWebhookSecrets(value: string | undefined, secretArn: string): WebhookSecrets {
  const text = value?.trim();
  if (!text)
    throw new Error(`webhook secret ${secretArn} is empty: set it to the GitHub App's webhook secret`);
  if (!text.startsWith('{')) return { current: text };
  const parsed = JSON.parse(text) as { current?: unknown; previous?: unknown };
  if (typeof parsed.current !== 'string' || !parsed.current) {
    throw new Error(`webhook secret ${secretArn} is JSON without a "current" string`);
  }
  return {
    current: parsed.current,
    previous: typeof parsed.previous === 'string' ? parsed.previous : undefined,
  };
}
