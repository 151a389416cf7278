import type { FastifyInstance } from 'fastify';

/** What a test needs of an HTTP answer: status, headers, and the body parsed as JSON. */
export interface HttpAnswer {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: assertions read any field of a JSON answer
  body: any;
}

/** Listens on a free loopback port and returns `post`/`get` over real HTTP (fetch, keep-alive). */
export async function listenForTests(app: FastifyInstance) {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const send = async (
    method: string,
    path: string,
    init: RequestInit = {},
  ): Promise<HttpAnswer> => {
    const response = await fetch(`${address}${path}`, { method, ...init });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (metrics): the text stays
    }
    return { status: response.status, headers: response.headers, body };
  };
  return {
    address,
    get: (path: string, headers: Record<string, string> = {}) => send('GET', path, { headers }),
    post: (path: string, body: unknown, headers: Record<string, string> = {}) =>
      send('POST', path, {
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
  };
}
