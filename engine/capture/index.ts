// Traffic capture: the store the engine owns and the recorder the proxy feeds.
export { TrafficStore } from './store.js';
export { NOOP_RECORDER, type ExchangeRecorder } from './recorder.js';
export type { BeginMeta, TrafficStoreOptions, CapturedWebSocketMessage, CapturedSseEvent } from './types.js';
export { toHeaderList, headerValue, type HeaderInput } from './headers.js';
export { toHar, fromHar, type HarInput, type HarBody, type ImportedEntry } from './har.js';
export { decodeBody, ZSTD_SUPPORTED } from './content-decoding.js';
