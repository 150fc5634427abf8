// The transport of the Node interoperability scripts: every request for our service's public
// origin (e.g. https://issuer.example) goes to the service on loopback, and any other request
// fails, so nothing leaves the machine. `requested` collects "METHOD URL" of each request, for
// the test to assert on.
export function loopbackFetch(origin, loopback, requested) {
  const realFetch = globalThis.fetch;
  return async (resource, init) => {
    const request = resource instanceof Request ? resource : new Request(resource, init);
    if (!request.url.startsWith(origin + '/')) {
      throw new TypeError(`the test allows no request outside ${origin}: ${request.url}`);
    }
    requested.push(`${request.method} ${request.url}`);
    return realFetch(new Request(loopback + request.url.slice(origin.length), request));
  };
}
