import type { WebhookDelivery, WebhookDeliveryLog } from '../ports.ts';
import {
  createGitHubClient,
  type GitHubClient,
  type GitHubClientOptions,
  gitHubError,
} from './gitHubClient.ts';

interface DeliveryItem {
  id: number;
  guid: string;
  delivered_at: string;
  status_code: number;
  event: string;
}

/** The App's webhook delivery log through GitHub's REST API, as the App itself (its JWT). */
export class GitHubWebhookDeliveries implements WebhookDeliveryLog {
  private readonly client: GitHubClient;

  constructor(options: Omit<GitHubClientOptions, 'installationId'>) {
    this.client = createGitHubClient(options);
  }

  async failedSince(since: Date, maxPages: number): Promise<WebhookDelivery[]> {
    const found: WebhookDelivery[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const response = await this.client
        .request('GET /app/hook/deliveries', { per_page: 100, status: 'failure', ...(cursor && { cursor }) })
        .catch((error: unknown) => {
          throw gitHubError(error, 'list webhook deliveries');
        });
      for (const item of response.data as DeliveryItem[]) {
        const deliveredAt = new Date(item.delivered_at);
        if (deliveredAt < since) return found;
        found.push({
          id: item.id,
          guid: item.guid,
          deliveredAt,
          statusCode: item.status_code,
          event: item.event,
        });
      }
      cursor = nextCursor(response.headers.link);
      if (!cursor) break;
    }
    return found;
  }

  async redeliver(deliveryId: number): Promise<void> {
    await this.client
      .request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: deliveryId })
      .catch((error: unknown) => {
        throw gitHubError(error, `redeliver webhook delivery ${deliveryId}`);
      });
  }
}

/** The `cursor` of the `rel="next"` link GitHub paginates the delivery log with. */
function nextCursor(link: string | undefined): string | undefined {
  const next = link?.split(',').find((part) => /rel="next"/.test(part));
  const url = next && /<([^>]+)>/.exec(next)?.[1];
  return url ? (new URL(url).searchParams.get('cursor') ?? undefined) : undefined;
}
