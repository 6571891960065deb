/**
 * A mail's HTML made safe to open in a browser: nothing runs and nothing is loaded from
 * elsewhere (no script, no tracking pixel, no remote style sheet or font), while the mail
 * still looks like itself (its tables, colours, fonts and inline images).
 *
 * How: the HTML is read into tags and text by a small tokenizer, and written out again
 * from what was read, keeping only what is on the allow-lists below — never passed
 * through. So whatever the input (broken, nested oddly, made to confuse a parser), the
 * output holds only allowed elements with allowed attributes, every attribute value
 * quoted and escaped, every text escaped, every element closed:
 *
 * - script, iframe, object, svg, math, template, form controls, … are dropped with what is
 *   inside them; meta, link, base, embed are dropped; an element not on the list (html,
 *   body, font-less Outlook tags such as o:p, form) is taken away and its content kept;
 * - attributes: only those on the list, so no event handler (onerror, onclick, …), no
 *   srcset, background, formaction, xlink:href; links only to http(s), mailto and tel, and
 *   to the page itself (#…); images only from data: (PNG, GIF, JPEG, WebP, BMP) or the
 *   mail's own inline parts (cid:, turned into data: by `inlineImage`) — any other image
 *   is replaced by its alt text;
 * - CSS (style elements and attributes): escapes and comments, which can spell `url(` in
 *   disguise, are taken out, then every function not on the list (url(), image-set(),
 *   expression(), …) and every at-rule not on the list (@import, @font-face, …) is
 *   renamed, so a browser ignores the declaration or rule; `<` is taken out, so a style
 *   element cannot be closed from inside.
 *
 * `originalHtmlDocument` puts the result in a page whose Content-Security-Policy forbids
 * scripts and every load but data: images, as a second wall.
 */

export interface SanitizeOptions {
  /** The data: URL of the mail's inline image with this Content-ID (a cid: link), if it has one. */
  inlineImage?: (contentId: string) => string | undefined;
}

/** Elements kept (with their allowed attributes). */
const ALLOWED_TAGS = new Set([
  'a',
  'abbr',
  'acronym',
  'address',
  'article',
  'aside',
  'b',
  'bdi',
  'bdo',
  'big',
  'blockquote',
  'br',
  'caption',
  'center',
  'cite',
  'code',
  'col',
  'colgroup',
  'dd',
  'del',
  'details',
  'dfn',
  'div',
  'dl',
  'dt',
  'em',
  'figcaption',
  'figure',
  'font',
  'footer',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'header',
  'hr',
  'i',
  'img',
  'ins',
  'kbd',
  'li',
  'main',
  'mark',
  'nav',
  'ol',
  'p',
  'pre',
  'q',
  'rp',
  'rt',
  'ruby',
  's',
  'samp',
  'section',
  'small',
  'span',
  'strike',
  'strong',
  'sub',
  'summary',
  'sup',
  'table',
  'tbody',
  'td',
  'tfoot',
  'th',
  'thead',
  'time',
  'tr',
  'tt',
  'u',
  'ul',
  'var',
  'wbr',
]);

/** Allowed elements that have no content and no end tag. */
const VOID_TAGS = new Set(['br', 'col', 'hr', 'img', 'wbr']);

/**
 * Elements dropped together with everything inside them (up to their end tag). Only
 * elements that have an end tag: a void one (embed, input, …) is simply not allowed.
 */
const DROPPED_WITH_CONTENT = new Set([
  'applet',
  'audio',
  'canvas',
  'datalist',
  'frameset',
  'math',
  'object',
  'portal',
  'select',
  'svg',
  'template',
  'video',
]);

/**
 * Elements whose content is raw text up to their end tag, as a browser reads them: never
 * markup. All are dropped with their content except style, whose CSS is cleaned.
 */
const RAW_TEXT_TAGS = new Set([
  'iframe',
  'noembed',
  'noframes',
  'noscript',
  'script',
  'style',
  'textarea',
  'title',
  'xmp',
]);

/** Attributes kept on any allowed element. */
const GLOBAL_ATTRIBUTES = new Set([
  'abbr',
  'align',
  'alt',
  'axis',
  'bgcolor',
  'border',
  'cellpadding',
  'cellspacing',
  'char',
  'charoff',
  'class',
  'clear',
  'color',
  'cols',
  'colspan',
  'compact',
  'datetime',
  'dir',
  'face',
  'frame',
  'headers',
  'height',
  'hspace',
  'id',
  'lang',
  'name',
  'noshade',
  'nowrap',
  'open',
  'reversed',
  'rows',
  'rowspan',
  'rules',
  'scope',
  'size',
  'span',
  'start',
  'summary',
  'title',
  'type',
  'valign',
  'value',
  'vspace',
  'width',
]);

/** CSS functions kept; any other (url, image-set, image, cross-fade, element, expression, attr, …) is renamed. */
const CSS_FUNCTIONS = new Set([
  'blur',
  'brightness',
  'calc',
  'circle',
  'clamp',
  'color',
  'color-mix',
  'contrast',
  'counter',
  'counters',
  'cubic-bezier',
  'dir',
  'drop-shadow',
  'ellipse',
  'fit-content',
  'format',
  'grayscale',
  'has',
  'hsl',
  'hsla',
  'hue-rotate',
  'hwb',
  'inset',
  'invert',
  'is',
  'lab',
  'lang',
  'lch',
  'linear-gradient',
  'local',
  'matrix',
  'matrix3d',
  'max',
  'min',
  'minmax',
  'not',
  'nth-child',
  'nth-last-child',
  'nth-last-of-type',
  'nth-of-type',
  'oklab',
  'oklch',
  'opacity',
  'perspective',
  'polygon',
  'radial-gradient',
  'rect',
  'repeat',
  'repeating-linear-gradient',
  'repeating-radial-gradient',
  'rgb',
  'rgba',
  'rotate',
  'rotate3d',
  'rotatex',
  'rotatey',
  'rotatez',
  'saturate',
  'scale',
  'scale3d',
  'scalex',
  'scaley',
  'sepia',
  'skew',
  'skewx',
  'skewy',
  'steps',
  'translate',
  'translate3d',
  'translatex',
  'translatey',
  'translatez',
  'var',
  'where',
  '-webkit-linear-gradient',
  '-webkit-radial-gradient',
  '-moz-linear-gradient',
  '-moz-radial-gradient',
]);

/** CSS at-rules kept; any other (@import, @font-face, @namespace, …) is renamed, so the browser skips it. */
const CSS_AT_RULES = new Set([
  'charset',
  'keyframes',
  'media',
  'page',
  'supports',
  '-webkit-keyframes',
  '-moz-keyframes',
]);

/** Images kept from data: URLs (never SVG, which is a document of its own). */
const DATA_IMAGE = /^data:image\/(?:png|gif|jpe?g|webp|bmp);base64,[a-z0-9+/=\s]*$/i;
/** Links kept: to the web, to an address, to a phone, to a place in the page itself. */
const SAFE_LINK = /^(?:https?:\/\/|mailto:|tel:|#)/i;
/** Deeper than this, further elements are taken away (their content kept): the output stays small to close. */
const MAX_DEPTH = 256;

/** HTML's whitespace (not JavaScript's \s, which also takes no-break spaces). */
const SPACE = /[\t\n\f\r ]/;
const TAG_NAME = /[^\t\n\f\r />]*/y;
const ATTRIBUTE_NAME = /[^\t\n\f\r />][^\t\n\f\r />=]*/y;
const UNQUOTED_VALUE = /[^\t\n\f\r >]*/y;

interface Tag {
  name: string;
  /** Attributes as written (values not decoded), the first of each name only, as a browser keeps them. */
  attributes: Map<string, string>;
  selfClosing: boolean;
  /** Index just after the tag's `>`. */
  end: number;
}

function skipSpaces(html: string, at: number): number {
  let i = at;
  while (i < html.length && SPACE.test(html[i]!)) i += 1;
  return i;
}

function sticky(pattern: RegExp, html: string, at: number): string {
  pattern.lastIndex = at;
  return pattern.exec(html)?.[0] ?? '';
}

/**
 * The tag starting at `start` (its `<`, or `</` for an end tag: `nameAt` is where its name
 * starts), read as a browser reads it; null when the text ends inside it (a browser drops
 * such a tag, and so everything after it).
 */
function readTag(html: string, nameAt: number): Tag | null {
  const rawName = sticky(TAG_NAME, html, nameAt);
  const tag: Tag = { name: rawName.toLowerCase(), attributes: new Map(), selfClosing: false, end: 0 };
  let i = nameAt + rawName.length;
  for (;;) {
    i = skipSpaces(html, i);
    if (i >= html.length) return null;
    if (html[i] === '>') {
      tag.end = i + 1;
      return tag;
    }
    if (html[i] === '/') {
      i += 1;
      tag.selfClosing = html[i] === '>';
      continue;
    }
    tag.selfClosing = false;
    const name = sticky(ATTRIBUTE_NAME, html, i);
    i = skipSpaces(html, i + name.length);
    let value = '';
    if (html[i] === '=') {
      i = skipSpaces(html, i + 1);
      const quote = html[i];
      if (quote === '"' || quote === "'") {
        const close = html.indexOf(quote, i + 1);
        if (close === -1) return null;
        value = html.slice(i + 1, close);
        i = close + 1;
      } else {
        value = sticky(UNQUOTED_VALUE, html, i);
        i += value.length;
      }
    }
    const key = name.toLowerCase();
    if (!tag.attributes.has(key)) tag.attributes.set(key, value);
  }
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  colon: ':',
  sol: '/',
  lpar: '(',
  rpar: ')',
  tab: '\t',
  newline: '\n',
  period: '.',
  comma: ',',
  semi: ';',
  num: '#',
  excl: '!',
  quest: '?',
  equals: '=',
  percnt: '%',
  commat: '@',
  bsol: '\\',
  grave: '`',
};

/** Windows-1252 for the C1 range, as HTML reads &#128;–&#159; (a code point of its own where 1252 has none). */
const C1 = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d,
  0x017d, 0x008f, 0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0x009d, 0x017e, 0x0178,
];

function codePoint(value: number): string {
  if (value >= 0x80 && value <= 0x9f) return String.fromCodePoint(C1[value - 0x80]!);
  if (value === 0 || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return '\ufffd';
  return String.fromCodePoint(value);
}

/**
 * An attribute value as a browser hands it on: numeric character references (with or
 * without `;`), and the named ones that can spell a URL's scheme or CSS. Any other named
 * reference is left as written, and re-escaped on the way out, so it stays inert text.
 */
export function decodeEntities(value: string): string {
  return value.replace(
    /&(?:#x([0-9a-f]+);?|#(\d+);?|([a-z]+);)/gi,
    (whole, hex?: string, dec?: string, name?: string) => {
      if (hex !== undefined) return codePoint(Number.parseInt(hex.slice(0, 8), 16));
      if (dec !== undefined) return codePoint(Number.parseInt(dec.slice(0, 10), 10));
      return NAMED_ENTITIES[name!.toLowerCase()] ?? whole;
    },
  );
}

/** A value inside double quotes. */
function attributeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A value as written (its character references kept for the browser), made safe inside double quotes. */
function rawAttributeText(value: string): string {
  return value
    .replace(/\u0000/g, '')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** Text between tags: references kept, markup impossible. */
function text(value: string): string {
  return value
    .replace(/\u0000/g, '')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/** A URL as a browser reads it: without tabs and line breaks anywhere, nor controls and spaces at the ends. */
function cleanUrl(value: string): string {
  return decodeEntities(value)
    .replace(/[\t\n\r]/g, '')
    .replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
}

/**
 * CSS that can neither run nor load anything (see the file's comment). Used for style
 * elements and style attributes alike.
 */
export function sanitizeCss(css: string): string {
  return (
    css
      // No escapes: `\75 rl(` and `u\rl(` would spell url( to a browser.
      .replace(/\\/g, '')
      // A comment separates what is around it: a space, so `ur/**/l(` does not become url(.
      .replace(/\/\*[\s\S]*?(?:\*\/|$)/g, ' ')
      .replace(/[\u0000-\u0008\u000b\u000e-\u001f\u007f<]/g, ' ')
      // A function is its name and `(` with nothing between (`and (max-width…)` is none).
      .replace(/([-\w\u0080-\uffff]+)\(/g, (whole, name: string) =>
        CSS_FUNCTIONS.has(name.toLowerCase()) ? whole : 'x-removed(',
      )
      // …and what it was given goes too (an address to load): up to its `)`, strings whole.
      .replace(/x-removed\((?:"[^"]*"|'[^']*'|[^)"'])*\)?/g, 'x-removed()')
      .replace(/@([-\w\u0080-\uffff]*)/g, (whole, name: string) =>
        CSS_AT_RULES.has(name.toLowerCase()) ? whole : '@x-removed',
      )
  );
}

/** The `cid:` link's Content-ID, as the mail's part names it (percent-decoded when it is written so). */
function contentIdOf(url: string): string {
  const id = url.slice('cid:'.length);
  try {
    return decodeURIComponent(id);
  } catch {
    return id;
  }
}

class Writer {
  readonly out: string[] = [];
  readonly open: string[] = [];
  /** The element being dropped with its content, and how deep in same-named ones. */
  dropping: { name: string; depth: number } | null = null;

  constructor(readonly options: SanitizeOptions) {}

  text(value: string): void {
    if (!this.dropping && value) this.out.push(text(value));
  }

  style(css: string): void {
    if (!this.dropping) this.out.push(`<style>${sanitizeCss(css)}</style>`);
  }

  start(tag: Tag): void {
    const { name } = tag;
    if (this.dropping) {
      if (name === this.dropping.name && !tag.selfClosing) this.dropping.depth += 1;
      return;
    }
    if (DROPPED_WITH_CONTENT.has(name)) {
      // <svg/> and <math/> are complete; any other element's `/>` means nothing to a browser.
      if (!(tag.selfClosing && (name === 'svg' || name === 'math'))) this.dropping = { name, depth: 1 };
      return;
    }
    if (!ALLOWED_TAGS.has(name) || this.open.length >= MAX_DEPTH) return;
    const attributes = this.attributes(tag);
    if (attributes === null) return;
    this.out.push(`<${name}${attributes}>`);
    if (!VOID_TAGS.has(name)) this.open.push(name);
  }

  end(name: string): void {
    if (this.dropping) {
      if (name === this.dropping.name && --this.dropping.depth === 0) this.dropping = null;
      return;
    }
    if (!ALLOWED_TAGS.has(name) || VOID_TAGS.has(name)) return;
    const at = this.open.lastIndexOf(name);
    if (at === -1) return;
    while (this.open.length > at) this.out.push(`</${this.open.pop()!}>`);
  }

  finish(): string {
    while (this.open.length) this.out.push(`</${this.open.pop()!}>`);
    return this.out.join('');
  }

  /** The allowed attributes, written out; null when the element is to be left out (an image from elsewhere). */
  attributes(tag: Tag): string | null {
    const kept: string[] = [];
    for (const [name, value] of tag.attributes) {
      if (name === 'style') {
        const css = sanitizeCss(decodeEntities(value)).trim();
        if (css) kept.push(`style="${attributeText(css)}"`);
      } else if (name === 'href' && tag.name === 'a') {
        const url = cleanUrl(value);
        // Opened apart from this page, telling the site nothing of where it came from.
        if (SAFE_LINK.test(url))
          kept.push(`href="${attributeText(url)}"`, 'rel="noopener noreferrer nofollow"', 'target="_blank"');
      } else if (name === 'src' && tag.name === 'img') {
        // Handled below: the image is kept only with a source that loads nothing.
      } else if (GLOBAL_ATTRIBUTES.has(name)) {
        kept.push(`${name}="${rawAttributeText(value)}"`);
      }
    }
    if (tag.name === 'img') {
      const source = this.imageSource(cleanUrl(tag.attributes.get('src') ?? ''));
      if (!source) {
        const alt = decodeEntities(tag.attributes.get('alt') ?? '').trim();
        if (alt) this.out.push(attributeText(`[${alt}]`));
        return null;
      }
      kept.unshift(`src="${attributeText(source)}"`);
    }
    return kept.length ? ` ${kept.join(' ')}` : '';
  }

  imageSource(url: string): string | undefined {
    if (/^cid:/i.test(url)) {
      const inline = this.options.inlineImage?.(contentIdOf(url));
      return inline && DATA_IMAGE.test(inline) ? inline : undefined;
    }
    return DATA_IMAGE.test(url) ? url : undefined;
  }
}

/** Where a comment starting at `at` (`<!--`) ends, as a browser ends it. */
function commentEnd(html: string, at: number): number {
  if (html.startsWith('<!-->', at)) return at + 5;
  if (html.startsWith('<!--->', at)) return at + 6;
  const close = /--!?>/g;
  close.lastIndex = at + 4;
  const found = close.exec(html);
  return found ? found.index + found[0].length : html.length;
}

/** Sanitises a mail's HTML (see the file's comment): the body's content, ready to be put in a page. */
export function sanitizeHtml(html: string, options: SanitizeOptions = {}): string {
  const writer = new Writer(options);
  const letter = /[a-z]/i;
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) {
      writer.text(html.slice(i));
      break;
    }
    writer.text(html.slice(i, lt));
    i = lt;
    const next = html[i + 1] ?? '';
    if (html.startsWith('<!--', i)) {
      i = commentEnd(html, i);
    } else if (next === '!' || next === '?') {
      // A doctype, <![CDATA[…]]>, a processing instruction: a bogus comment up to the next `>`.
      const close = html.indexOf('>', i + 2);
      i = close === -1 ? html.length : close + 1;
    } else if (next === '/') {
      if (letter.test(html[i + 2] ?? '')) {
        const tag = readTag(html, i + 2);
        if (!tag) break;
        writer.end(tag.name);
        i = tag.end;
      } else {
        // `</>` is nothing; `</ x>` and the like are bogus comments.
        const close = html.indexOf('>', i + 2);
        i = close === -1 ? html.length : close + 1;
      }
    } else if (letter.test(next)) {
      const tag = readTag(html, i + 1);
      if (!tag) break;
      i = tag.end;
      if (tag.name === 'plaintext') break;
      if (RAW_TEXT_TAGS.has(tag.name)) {
        const close = new RegExp(`</${tag.name}[\\t\\n\\f\\r />]`, 'ig');
        close.lastIndex = i;
        const found = close.exec(html);
        const content = html.slice(i, found ? found.index : html.length);
        if (tag.name === 'style') writer.style(content);
        if (!found) break;
        const endTag = readTag(html, found.index + 2);
        if (!endTag) break;
        i = endTag.end;
      } else {
        writer.start(tag);
      }
    } else {
      writer.text('<');
      i += 1;
    }
  }
  return writer.finish();
}

/**
 * The sanitised HTML as a page of its own, opened from a file: UTF-8, the subject as its
 * title, and a Content-Security-Policy that allows no script and no load but data: images
 * and fonts and the page's own styles, should anything have got past the sanitiser.
 */
export function originalHtmlDocument(sanitizedBody: string, title: string): string {
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; font-src data:; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'">`,
    '<meta name="referrer" content="no-referrer">',
    `<title>${text(title.replace(/&/g, '&amp;'))}</title>`,
    '</head><body>',
    sanitizedBody,
    '</body></html>',
    '',
  ].join('\n');
}
