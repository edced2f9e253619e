// S3Presign browser client — dependency-free ES module, served by S3Presign.AspNetCore at `{group}/client.js`.
//
//   import { S3UploadsClient } from '/uploads/client.js';
//   const client = new S3UploadsClient({ baseUrl: '/uploads' });
//   const file = await client.upload(input.files[0], { onProgress: e => bar.value = e.percent });
//
// upload() = issue (POST {baseUrl}/) → PUT the bytes straight to S3 with XMLHttpRequest (progress events) →
// validate (POST {baseUrl}/{id}/validate). Network errors are retried with exponential back-off; every failure is
// an S3UploadError with a stable `code` (the server's ProblemDetails code, or one of the client codes below) and a
// sentence for people in `message`.
//
// Client codes: network_error, aborted, link_expired, upload_refused, server_error.

const MESSAGES = {
  content_type_not_allowed: 'Files of this type are not allowed.',
  too_large: 'The file is too large.',
  invalid_filename: 'The file name cannot be used.',
  invalid_content_type: 'The file type is not recognised.',
  not_uploaded: 'The file did not reach the storage; please try again.',
  expired: 'The upload link expired before the file was confirmed; please try again.',
  link_expired: 'The upload link expired; please try again.',
  size_mismatch: 'The stored file does not have the announced size.',
  content_type_mismatch: 'The stored file does not have the announced type.',
  checksum_mismatch: 'The stored file is not the one announced (checksum differs).',
  magic_bytes_mismatch: 'The file content does not match its type.',
  not_found: 'The upload does not exist (any more).',
  not_validated: 'The file is not validated yet.',
  unauthenticated: 'Please sign in first.',
  body_too_large: 'The request is too large.',
  network_error: 'The network failed; please check your connection and try again.',
  aborted: 'The upload was cancelled.',
  upload_refused: 'The storage refused the upload.',
  server_error: 'The server failed; please try again later.',
};

/** An upload failure with a stable `code`, the HTTP `status` when there was one, and a readable `message`. */
export class S3UploadError extends Error {
  constructor(code, message, status = 0, details = undefined) {
    super(message || MESSAGES[code] || code);
    this.name = 'S3UploadError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

const sleep = (ms, signal) => new Promise((resolve, reject) => {
  const timer = setTimeout(resolve, ms);
  signal?.addEventListener('abort', () => { clearTimeout(timer); reject(new S3UploadError('aborted')); }, { once: true });
});

export class S3UploadsClient {
  /**
   * @param {object} [options]
   * @param {string} [options.baseUrl='/uploads'] where MapS3Uploads() is mapped.
   * @param {object|function():object} [options.headers] extra headers for API calls (e.g. an Authorization header).
   * @param {RequestCredentials} [options.credentials='same-origin'] fetch credentials for API calls (cookies).
   * @param {number} [options.retries=3] retries after a network error (and 502/503/504) per request.
   * @param {number} [options.retryDelayMs=500] first retry delay; it doubles each time.
   */
  constructor(options = {}) {
    this.baseUrl = (options.baseUrl ?? '/uploads').replace(/\/+$/, '');
    this.headers = options.headers ?? {};
    this.credentials = options.credentials ?? 'same-origin';
    this.retries = options.retries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 500;
  }

  /**
   * Issues, uploads and validates one file.
   * @param {File|Blob} file
   * @param {object} [options]
   * @param {string} [options.filename] defaults to file.name.
   * @param {string} [options.contentType] defaults to file.type, else application/octet-stream.
   * @param {string} [options.directory]
   * @param {(e:{phase:string, loaded:number, total:number, percent:number, upload?:object})=>void} [options.onProgress]
   *   called with phase 'issuing', 'uploading' (XHR progress), 'validating' and 'validated'.
   * @param {AbortSignal} [options.signal]
   * @returns {Promise<object>} the validated upload: { id, fileKey, status, size, contentType, etag, validatedAt }.
   */
  async upload(file, options = {}) {
    const { onProgress, signal } = options;
    const total = file.size;
    const report = (phase, loaded, upload) =>
      onProgress?.({ phase, loaded, total, percent: total ? Math.floor((loaded / total) * 100) : 100, upload });
    report('issuing', 0);
    const issued = await this.issue({
      filename: options.filename ?? file.name ?? 'file',
      contentType: options.contentType || file.type || 'application/octet-stream',
      size: total,
      directory: options.directory,
    }, { signal });
    report('uploading', 0, issued);
    await this.send(issued, file, { signal, onProgress: loaded => report('uploading', loaded, issued) });
    report('validating', total, issued);
    const validated = await this.validate(issued.id, { signal });
    report('validated', total, issued);
    return validated;
  }

  /** POST {baseUrl}/ → the issued upload. */
  issue(request, { signal } = {}) {
    return this.#api('POST', '/', request, signal);
  }

  /** POST {baseUrl}/{id}/validate → the validated upload. */
  validate(id, { signal } = {}) {
    return this.#api('POST', `/${encodeURIComponent(id)}/validate`, undefined, signal);
  }

  /** GET {baseUrl}/{id} → the upload's record. */
  get(id, { signal } = {}) {
    return this.#api('GET', `/${encodeURIComponent(id)}`, undefined, signal);
  }

  /** GET {baseUrl}/?filters → { items }. Filters: status, filename, minSize, maxSize, createdFrom, createdTo, limit. */
  list(filters = {}, { signal } = {}) {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(filters)) {
      if (value !== undefined && value !== null && value !== '') query.set(name, value instanceof Date ? value.toISOString() : String(value));
    }
    const qs = query.toString();
    return this.#api('GET', qs ? `/?${qs}` : '/', undefined, signal);
  }

  /** DELETE {baseUrl}/{id}. */
  remove(id, { signal } = {}) {
    return this.#api('DELETE', `/${encodeURIComponent(id)}`, undefined, signal);
  }

  /** GET {baseUrl}/{id}/download → { url, expiresAt }. */
  downloadUrl(id, { signal } = {}) {
    return this.#api('GET', `/${encodeURIComponent(id)}/download`, undefined, signal);
  }

  /** Sends the bytes to S3 as the issued upload says (PUT, or POST form with fields), with progress. */
  async send(issued, file, { signal, onProgress } = {}) {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#xhr(issued, file, signal, onProgress, attempt > 0);
      } catch (e) {
        if (!(e instanceof S3UploadError) || !e.retryable || attempt >= this.retries) throw e;
        await sleep(this.retryDelayMs * 2 ** attempt, signal);
      }
    }
  }

  #xhr(issued, file, signal, onProgress, retrying) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) { reject(new S3UploadError('aborted')); return; }
      const xhr = new XMLHttpRequest();
      xhr.open(issued.method || 'PUT', issued.uploadUrl);
      let body = file;
      if (issued.fields) {
        body = new FormData();
        for (const [name, value] of Object.entries(issued.fields)) body.append(name, value);
        body.append('file', file);
      } else {
        for (const [name, value] of Object.entries(issued.headers ?? {})) xhr.setRequestHeader(name, value);
      }
      xhr.upload.onprogress = e => { if (e.lengthComputable) onProgress?.(e.loaded); };
      const fail = (code, message, status, retryable) => {
        const error = new S3UploadError(code, message, status);
        error.retryable = retryable;
        reject(error);
      };
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) { onProgress?.(file.size); resolve({ status: xhr.status, etag: xhr.getResponseHeader('ETag') }); return; }
        // A PUT carries If-None-Match: *, so 412 on a retry means an earlier attempt's bytes arrived (only the answer
        // was lost): done, and validation checks what is there.
        if (xhr.status === 412 && retrying && !issued.fields) { onProgress?.(file.size); resolve({ status: xhr.status, etag: null }); return; }
        const s3Code = /<Code>([^<]*)<\/Code>/.exec(xhr.responseText || '')?.[1] ?? '';
        const s3Message = /<Message>([^<]*)<\/Message>/.exec(xhr.responseText || '')?.[1] ?? '';
        if (xhr.status === 403 && /expired/i.test(s3Code + ' ' + s3Message + ' ' + xhr.responseText)) {
          fail('link_expired', MESSAGES.link_expired, xhr.status, false);
        } else if (s3Code === 'EntityTooLarge') {
          fail('too_large', MESSAGES.too_large, xhr.status, false);
        } else if (s3Code === 'BadDigest' || s3Code === 'XAmzContentSHA256Mismatch') {
          fail('checksum_mismatch', MESSAGES.checksum_mismatch, xhr.status, false);
        } else if (xhr.status >= 500) {
          fail('server_error', `${MESSAGES.server_error} (S3 ${xhr.status} ${s3Code})`, xhr.status, true);
        } else {
          fail('upload_refused', `${MESSAGES.upload_refused} (S3 ${xhr.status}${s3Code ? ' ' + s3Code : ''})`, xhr.status, false);
        }
      };
      xhr.onerror = () => fail('network_error', MESSAGES.network_error, 0, true);
      xhr.ontimeout = () => fail('network_error', MESSAGES.network_error, 0, true);
      xhr.onabort = () => fail('aborted', MESSAGES.aborted, 0, false);
      signal?.addEventListener('abort', () => xhr.abort(), { once: true });
      xhr.send(body);
    });
  }

  async #api(method, path, body, signal) {
    const headers = { Accept: 'application/json', ...(typeof this.headers === 'function' ? this.headers() : this.headers) };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    for (let attempt = 0; ; attempt++) {
      let response;
      try {
        response = await fetch(this.baseUrl + path, {
          method, headers, signal, credentials: this.credentials,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (e) {
        if (signal?.aborted) throw new S3UploadError('aborted');
        if (attempt >= this.retries) throw new S3UploadError('network_error', MESSAGES.network_error, 0, e);
        await sleep(this.retryDelayMs * 2 ** attempt, signal);
        continue;
      }
      if (response.ok) {
        return response.status === 204 ? undefined : response.json();
      }
      if ([502, 503, 504].includes(response.status) && attempt < this.retries) {
        await sleep(this.retryDelayMs * 2 ** attempt, signal);
        continue;
      }
      let problem = {};
      try { problem = await response.json(); } catch { /* not JSON */ }
      const code = problem.code || (response.status === 401 ? 'unauthenticated' : response.status >= 500 ? 'server_error' : `http_${response.status}`);
      throw new S3UploadError(code, problem.detail || MESSAGES[code] || problem.title || `HTTP ${response.status}`, response.status, problem);
    }
  }
}
