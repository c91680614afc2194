/**
 * The port, with every method call going through `around`, which makes the call (or not). For what
 * applies to all of a port's calls alike (counting them, refusing them), so a method added to the
 * port needs no forwarder here.
 */
export function aroundEachCall<Port extends object>(
  port: Port,
  around: (call: () => unknown) => unknown,
): Port {
  return new Proxy(port, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => around(() => value.apply(target, args));
    },
  });
}
