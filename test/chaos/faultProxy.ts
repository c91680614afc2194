import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';

export const FAULTS = ['503', '429', 'conflict', 'timeout', 'drop-before', 'drop-after'] as const;
export type Fault = (typeof FAULTS)[number];

/**
 * A plain-HTTP proxy in front of the real kube-apiserver that fails a share of requests the ways a
 * real API server and network do: 503 and 429 answers, a 409 on a create that never happened, no
 * answer at all, and dropped connections, both before the request reached the server and after it
 * was carried out (the nastiest: the write happened, the answer is lost).
 */
export async function startFaultProxy(options: { target: string; faultRate: number; random?: () => number }) {
  const random = options.random ?? Math.random;
  const counts: Record<Fault | 'passed', number> = {
    '503': 0,
    '429': 0,
    conflict: 0,
    timeout: 0,
    'drop-before': 0,
    'drop-after': 0,
    passed: 0,
  };
  const held = new Set<ServerResponse>();

  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const fault = random() < options.faultRate ? FAULTS[Math.floor(random() * FAULTS.length)] : undefined;
    const applicable = fault === 'conflict' && request.method !== 'POST' ? undefined : fault;
    if (applicable) counts[applicable] += 1;
    else counts.passed += 1;
    switch (applicable) {
      case '503':
        return answer(response, 503, 'the API server is unavailable (injected)');
      case '429':
        response.setHeader('retry-after', '1');
        return answer(response, 429, 'too many requests (injected)');
      case 'conflict':
        return answer(response, 409, 'already exists (injected)', 'AlreadyExists');
      case 'timeout':
        held.add(response);
        response.on('close', () => held.delete(response));
        return;
      case 'drop-before':
        return request.socket.destroy();
      default:
        forward(request, body, response, applicable === 'drop-after');
    }
  });

  function forward(request: IncomingMessage, body: Buffer, response: ServerResponse, dropAnswer: boolean) {
    const target = new URL(request.url ?? '/', options.target);
    const upstream = httpsRequest(
      target,
      {
        method: request.method,
        headers: { ...request.headers, host: target.host },
        rejectUnauthorized: false,
      },
      (answerFromServer) => {
        if (dropAnswer) {
          answerFromServer.resume();
          answerFromServer.on('end', () => request.socket.destroy());
          return;
        }
        response.writeHead(answerFromServer.statusCode ?? 502, answerFromServer.headers);
        answerFromServer.pipe(response);
      },
    );
    upstream.on('error', () => request.socket.destroy());
    upstream.end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: async () => {
      for (const response of held) response.socket?.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function answer(response: ServerResponse, status: number, message: string, reason = 'InternalError') {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(
    JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message, reason, code: status }),
  );
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
