import { type FetchLike, type TlsOptions, createTlsFetch } from '../http/tls-fetch.js';

/** The `fetch` signature the XNAT client uses (Node's global `fetch` by default). */
export type { FetchLike } from '../http/tls-fetch.js';

/** TLS settings for an XNAT server with a private CA, client certificates, or (testing only) no verification. */
export type XnatTlsOptions = TlsOptions;

/** Node's `fetch` with custom TLS settings for XNAT (an undici `Agent` as its dispatcher; redirects, keep-alive, streamed bodies). */
export function createXnatTlsFetch(tls: XnatTlsOptions): FetchLike {
  return createTlsFetch(tls);
}

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/**
 * The server's message from an XNAT error body: Tomcat's `<b>Message</b> …` line, else Restlet's
 * `<h3>…</h3>` (what xnatpy scrapes), else `<title>`, else the start of a plain-text body.
 */
export function xnatServerMessage(body: string): string | undefined {
  const tomcat = /<b>Message<\/b>\s*([^<]*)<\/p>/i.exec(body);
  if (tomcat && tomcat[1]!.trim()) return decodeEntities(tomcat[1]!.trim());
  const h3 = /<h3>([\s\S]*?)<\/h3>/i.exec(body);
  if (h3 && h3[1]!.trim()) return decodeEntities(h3[1]!.replace(/<[^>]*>/g, '').trim());
  const title = /<title>([\s\S]*?)<\/title>/i.exec(body);
  if (title && title[1]!.trim()) return decodeEntities(title[1]!.trim());
  const text = body.trim();
  if (text === '' || text.startsWith('<')) return undefined;
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
