import type { HlsConfig } from 'hls.js';

/** The live player's hls.js settings, shared with the glass-to-glass benchmark (see the .js). */
export declare const liveHlsConfig: Readonly<Partial<HlsConfig>>;
