import type {
  DeadLetterDetail,
  DeadLetterSummary,
  RedriveRequest,
  RedriveResult,
} from '../../src/dashboard-view.js';
import { adminToken } from './dashboard-state.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function request<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(path, init);
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  if (!response.ok)
    throw new ApiError(
      response.status,
      body.message ?? `${response.status} ${response.statusText}`,
    );
  return body as T;
}

const topicPath = (topic: string) => `api/topics/${encodeURIComponent(topic)}/dead-letters`;

export function listDeadLetters(
  topic: string,
  group: string,
): Promise<{ deadLetters: DeadLetterSummary[] }> {
  const query = new URLSearchParams({ count: '200', ...(group ? { group } : {}) });
  return request(`${topicPath(topic)}?${query}`);
}

export function showDeadLetter(
  topic: string,
  partition: number,
  id: string,
): Promise<DeadLetterDetail> {
  return request(`${topicPath(topic)}/${partition}/${encodeURIComponent(id)}`);
}

export function redrive(topic: string, selection: RedriveRequest): Promise<RedriveResult> {
  return request(`${topicPath(topic)}/redrive`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(adminToken.value ? { authorization: `Bearer ${adminToken.value}` } : {}),
    },
    body: JSON.stringify(selection),
  });
}
