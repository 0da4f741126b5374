const RFC_SECTION: Record<number, string> = {
  400: '10.4.1',
  401: '10.4.2',
  403: '10.4.4',
  404: '10.4.5',
  405: '10.4.6',
  409: '10.4.10',
  415: '10.4.16',
  429: '10.4',
  500: '10.5.1',
  502: '10.5.3',
  503: '10.5.4',
  504: '10.5.5',
};

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** XNAT's (Restlet 1.x) HTML status page; the description sits in `<h3>`. */
export function restletErrorPage(status: number, description: string): string {
  const sec = RFC_SECTION[status] ?? (status >= 500 ? '10.5' : '10.4');
  return (
    '<html>\n<head>\n   <title>Status page</title>\n</head>\n<body style="font-family: sans-serif;">\n' +
    `<h3>${escapeHtml(description)}</h3><p>You can get technical details <a href="http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html#sec${sec}">here</a>.<br>\n` +
    'Please continue your visit at our <a href="/">home page</a>.\n</p>\n</body>\n</html>\n'
  );
}

/** Tomcat's error report page (what XNAT's security filters answer a failed login with). */
export function tomcatErrorPage(status: number, reason: string, message: string): string {
  return (
    `<!doctype html><html lang="en"><head><title>HTTP Status ${status} – ${reason}</title></head>` +
    `<body><h1>HTTP Status ${status} – ${reason}</h1><hr class="line" /><p><b>Type</b> Status Report</p>` +
    `<p><b>Message</b> ${escapeHtml(message)}</p><hr class="line" /><h3>Apache Tomcat</h3></body></html>`
  );
}
