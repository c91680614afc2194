import { KubeConfig } from '@kubernetes/client-node/dist/config.js';
import type { RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';

type Dispatcher = NonNullable<ReturnType<RequestContext['getDispatcher']>>;

/**
 * A KubeConfig whose API clients keep their connections. client-node 2.0 makes a new undici Agent
 * for every request (its `createDispatcher` keeps none, unlike `createAgent` since
 * kubernetes-client/javascript#2893), so every call would open a new TLS connection. The first
 * request's dispatcher, made from this config's cluster and user, serves every later one of the
 * same context.
 */
export class KeepAliveKubeConfig extends KubeConfig {
  #dispatchers = new Map<string, Dispatcher>();

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    const key = this.getCurrentContext();
    const kept = this.#dispatchers.get(key);
    const made = context.getDispatcher();
    if (kept) context.setDispatcher(kept);
    else if (made) this.#dispatchers.set(key, made);
  }
}
