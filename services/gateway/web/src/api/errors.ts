import type { ErrorInfo, FieldViolation } from './types';

// The gRPC code names the gateway maps to HTTP statuses (grpc-gateway's table), used when a body
// is missing or unreadable (a proxy's 502, a 429 without JSON).
const codeByStatus: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  412: 'FAILED_PRECONDITION',
  429: 'RESOURCE_EXHAUSTED',
  499: 'CANCELLED',
  500: 'INTERNAL',
  501: 'UNIMPLEMENTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** A failed API call: the gRPC code name, the service's reason, and the field violations. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly reason: string;
  readonly field: string;
  readonly metadata: Record<string, string>;
  readonly requestId: string;
  readonly violations: FieldViolation[];
  /** Milliseconds to wait before retrying (Retry-After or metadata retry_after_ms), if known. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    reason?: string;
    field?: string;
    metadata?: Record<string, string>;
    requestId?: string;
    violations?: FieldViolation[];
    retryAfterMs?: number;
  }) {
    super(init.message || init.code);
    this.name = 'ApiError';
    this.status = init.status;
    this.code = init.code;
    this.reason = init.reason ?? '';
    this.field = init.field ?? '';
    this.metadata = init.metadata ?? {};
    this.requestId = init.requestId ?? '';
    this.violations = init.violations ?? [];
    this.retryAfterMs = init.retryAfterMs;
  }

  is(reason: string): boolean {
    return this.reason === reason;
  }
}

function asViolations(v: unknown): FieldViolation[] {
  if (!Array.isArray(v)) return [];
  return v
    .filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null)
    .map((x) => ({
      field: typeof x.field === 'string' ? x.field : '',
      reason: typeof x.reason === 'string' ? x.reason : '',
      description: typeof x.description === 'string' ? x.description : '',
    }));
}

/** Field violations wherever the gateway put them: a top-level list, details entries, or the
 * single field of errorInfo. */
function collectViolations(body: Record<string, unknown>, info: ErrorInfo | undefined, message: string) {
  const found: FieldViolation[] = [
    ...asViolations(body.violations),
    ...asViolations(body.fieldViolations),
  ];
  if (Array.isArray(body.details)) {
    for (const d of body.details) {
      if (d && typeof d === 'object') {
        const rec = d as Record<string, unknown>;
        found.push(...asViolations(rec.violations), ...asViolations(rec.fieldViolations));
      }
    }
  }
  if (found.length === 0 && info?.field) {
    found.push({ field: info.field, reason: info.reason ?? '', description: message });
  }
  return found;
}

export function parseRetryAfter(header: string | null, meta: Record<string, string>): number | undefined {
  const fromMeta = Number(meta.retry_after_ms ?? meta.retryAfterMs);
  if (Number.isFinite(fromMeta) && fromMeta > 0) return fromMeta;
  if (header) {
    const secs = Number(header);
    if (Number.isFinite(secs)) return secs * 1000;
  }
  return undefined;
}

/** Builds an ApiError from a non-2xx answer (an HttpError body, or anything else). */
export function errorFromHttp(status: number, bodyText: string, headers?: Headers): ApiError {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(bodyText);
    if (parsed && typeof parsed === 'object') body = parsed as Record<string, unknown>;
  } catch {
    /* not JSON: keep the defaults */
  }
  const info = (body.errorInfo ?? body.error_info) as ErrorInfo | undefined;
  const code = typeof body.code === 'string' && body.code ? body.code : (codeByStatus[status] ?? 'UNKNOWN');
  const message =
    typeof body.message === 'string' && body.message ? body.message : defaultMessage(code, status);
  const metadata = { ...(info?.metadata ?? {}) };
  return new ApiError({
    status,
    code,
    message,
    reason: info?.reason,
    field: info?.field,
    metadata,
    requestId:
      (typeof body.requestId === 'string' ? body.requestId : undefined) ??
      headers?.get('x-request-id') ??
      undefined,
    violations: collectViolations(body, info, message),
    retryAfterMs: parseRetryAfter(headers?.get('retry-after') ?? null, metadata),
  });
}

/** An error for a call that never got an answer. */
export function networkError(cause: unknown): ApiError {
  const aborted = cause instanceof DOMException && cause.name === 'AbortError';
  return new ApiError({
    status: 0,
    code: aborted ? 'CANCELLED' : 'UNAVAILABLE',
    message: aborted ? 'The request was cancelled.' : 'Cannot reach Shopcast. Check your connection and try again.',
  });
}

function defaultMessage(code: string, status: number): string {
  switch (code) {
    case 'UNAUTHENTICATED':
      return 'Please sign in again.';
    case 'PERMISSION_DENIED':
      return 'You are not allowed to do that.';
    case 'RESOURCE_EXHAUSTED':
      return 'Too many requests; please wait a moment.';
    case 'UNAVAILABLE':
      return 'The service is busy; please try again.';
    default:
      return `Request failed (${status}).`;
  }
}

/** Human text for an error, for banners and toasts. */
export function describeError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'RESOURCE_EXHAUSTED' && e.retryAfterMs) {
      return `${e.message} Try again in ${Math.ceil(e.retryAfterMs / 1000)} s.`;
    }
    return e.message;
  }
  if (e instanceof Error) return e.message;
  return 'Something went wrong.';
}
