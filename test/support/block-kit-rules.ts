/**
 * Block Kit as Slack enforces it, for the Web API stand-in: returns the problems Slack
 * would report (empty when Slack would accept). Limits from Slack's Block Kit reference;
 * the message size limit from what Slack has refused in practice (ENVIRONMENT.md).
 */
type Json = Record<string, unknown>;

export type Surface = 'message' | 'modal' | 'home';

const BLOCK_LIMIT: Record<Surface, number> = { message: 50, modal: 100, home: 100 };
/** Serialized blocks above this are refused as msg_blocks_too_long. */
export const MESSAGE_BLOCKS_MAX_CHARS = 13_000;

const BLOCK_TYPES: Record<Surface, string[]> = {
  message: ['section', 'header', 'divider', 'actions', 'context', 'image', 'rich_text', 'file', 'video', 'markdown'],
  modal: ['section', 'header', 'divider', 'actions', 'context', 'image', 'rich_text', 'input', 'video'],
  home: ['section', 'header', 'divider', 'actions', 'context', 'image', 'rich_text', 'input', 'video'],
};

class Checker {
  problems: string[] = [];
  actionIds = new Set<string>();
  blockIds = new Set<string>();

  fail(where: string, what: string): void {
    this.problems.push(`${where}: ${what}`);
  }

  string(where: string, value: unknown, max: number, required = true): void {
    if (value === undefined && !required) return;
    if (typeof value !== 'string') return this.fail(where, 'must be a string');
    if (required && value.length === 0) return this.fail(where, 'must not be empty');
    if (value.length > max) this.fail(where, `must be at most ${max} characters (has ${value.length})`);
  }

  textObject(where: string, value: unknown, max: number, plainOnly = false): void {
    const text = value as Json | undefined;
    if (!text || typeof text !== 'object') return this.fail(where, 'must be a text object');
    if (text.type !== 'plain_text' && (plainOnly || text.type !== 'mrkdwn')) {
      return this.fail(`${where}.type`, plainOnly ? 'must be plain_text' : 'must be plain_text or mrkdwn');
    }
    this.string(`${where}.text`, text.text, max);
  }

  actionId(where: string, value: unknown): void {
    if (value === undefined) return;
    this.string(where, value, 255);
    if (typeof value === 'string') {
      if (this.actionIds.has(value)) this.fail(where, `duplicate action_id ${value}`);
      this.actionIds.add(value);
    }
  }

  option(where: string, value: unknown): void {
    const option = value as Json;
    this.textObject(`${where}.text`, option?.text, 75, true);
    this.string(`${where}.value`, option?.value, 150);
  }

  element(where: string, value: unknown): void {
    const element = value as Json;
    if (!element || typeof element !== 'object') return this.fail(where, 'must be an element');
    this.actionId(`${where}.action_id`, element.action_id);
    switch (element.type) {
      case 'button':
        this.textObject(`${where}.text`, element.text, 75, true);
        this.string(`${where}.value`, element.value, 2000, false);
        this.string(`${where}.url`, element.url, 3000, false);
        if (element.style !== undefined && !['primary', 'danger'].includes(String(element.style)))
          this.fail(`${where}.style`, 'must be primary or danger');
        break;
      case 'static_select':
      case 'multi_static_select': {
        const options = element.options as unknown[] | undefined;
        const groups = element.option_groups as unknown[] | undefined;
        if (!options && !groups) this.fail(where, 'needs options or option_groups');
        if (options && groups) this.fail(where, 'options and option_groups cannot both be set');
        if (options && (!Array.isArray(options) || options.length === 0 || options.length > 100))
          this.fail(`${where}.options`, 'must have 1 to 100 options');
        options?.forEach((option, i) => this.option(`${where}.options[${i}]`, option));
        if (groups && (!Array.isArray(groups) || groups.length === 0 || groups.length > 100))
          this.fail(`${where}.option_groups`, 'must have 1 to 100 groups');
        groups?.forEach((group, g) => {
          const entry = group as Json;
          this.textObject(`${where}.option_groups[${g}].label`, entry?.label, 75, true);
          const members = entry?.options as unknown[] | undefined;
          if (!Array.isArray(members) || members.length === 0 || members.length > 100)
            this.fail(`${where}.option_groups[${g}].options`, 'must have 1 to 100 options');
          members?.forEach((option, i) => this.option(`${where}.option_groups[${g}].options[${i}]`, option));
        });
        const all = [
          ...(options ?? []),
          ...(groups ?? []).flatMap((group) => ((group as Json)?.options as unknown[] | undefined) ?? []),
        ] as Json[];
        const initialOption = element.initial_option as Json | undefined;
        if (initialOption !== undefined) {
          this.option(`${where}.initial_option`, initialOption);
          // Slack refuses an initial option that is not exactly one of the options.
          const same = (option: Json) =>
            option?.value === initialOption.value &&
            (option?.text as Json | undefined)?.text === (initialOption.text as Json | undefined)?.text;
          if (!all.some(same)) this.fail(`${where}.initial_option`, 'must be one of the options');
        }
        const initialOptions = element.initial_options as Json[] | undefined;
        if (initialOptions !== undefined) {
          if (element.type !== 'multi_static_select') this.fail(`${where}.initial_options`, 'only for multi-selects');
          initialOptions.forEach((chosen, i) => {
            const same = (option: Json) =>
              option?.value === chosen?.value &&
              (option?.text as Json | undefined)?.text === (chosen?.text as Json | undefined)?.text;
            if (!all.some(same)) this.fail(`${where}.initial_options[${i}]`, 'must be one of the options');
          });
        }
        if (element.max_selected_items !== undefined && Number(element.max_selected_items) < 1)
          this.fail(`${where}.max_selected_items`, 'must be at least 1');
        if (element.placeholder !== undefined) this.textObject(`${where}.placeholder`, element.placeholder, 150, true);
        break;
      }
      case 'file_input':
        // Slack: 1 to 10 files (its default 10); filetypes an array of extensions.
        if (element.max_files !== undefined && (Number(element.max_files) < 1 || Number(element.max_files) > 10))
          this.fail(`${where}.max_files`, 'must be 1 to 10');
        if (element.filetypes !== undefined && !Array.isArray(element.filetypes))
          this.fail(`${where}.filetypes`, 'must be an array of extensions');
        break;
      case 'overflow': {
        const options = element.options as unknown[] | undefined;
        if (!Array.isArray(options) || options.length < 1 || options.length > 5)
          this.fail(`${where}.options`, 'must have 1 to 5 options');
        options?.forEach((option, i) => this.option(`${where}.options[${i}]`, option));
        break;
      }
      case 'checkboxes':
      case 'radio_buttons': {
        const options = element.options as unknown[] | undefined;
        if (!Array.isArray(options) || options.length < 1 || options.length > 10)
          this.fail(`${where}.options`, 'must have 1 to 10 options');
        break;
      }
      case 'users_select':
      case 'multi_users_select':
      case 'conversations_select':
      case 'channels_select':
      case 'datepicker':
      case 'timepicker':
      case 'external_select':
        if (element.placeholder !== undefined) this.textObject(`${where}.placeholder`, element.placeholder, 150, true);
        break;
      case 'plain_text_input':
        if (element.max_length !== undefined && (Number(element.max_length) > 3000 || Number(element.max_length) < 1))
          this.fail(`${where}.max_length`, 'must be 1 to 3000');
        this.string(`${where}.initial_value`, element.initial_value, 3000, false);
        break;
      case 'image':
        this.string(`${where}.alt_text`, element.alt_text, 2000);
        break;
      default:
        this.fail(`${where}.type`, `unknown element type ${String(element.type)}`);
    }
  }

  block(surface: Surface, where: string, value: unknown): void {
    const block = value as Json;
    // action_ids must be unique within a block.
    this.actionIds = new Set();
    if (!block || typeof block !== 'object') return this.fail(where, 'must be a block object');
    if (!BLOCK_TYPES[surface].includes(String(block.type)))
      return this.fail(`${where}.type`, `${String(block.type)} is not allowed in a ${surface}`);
    if (block.block_id !== undefined) {
      this.string(`${where}.block_id`, block.block_id, 255);
      if (this.blockIds.has(String(block.block_id))) this.fail(`${where}.block_id`, 'duplicate block_id');
      this.blockIds.add(String(block.block_id));
    }
    switch (block.type) {
      case 'section': {
        const fields = block.fields as unknown[] | undefined;
        if (block.text === undefined && fields === undefined) this.fail(where, 'section needs text or fields');
        if (block.text !== undefined) this.textObject(`${where}.text`, block.text, 3000);
        if (fields !== undefined) {
          if (!Array.isArray(fields) || fields.length > 10) this.fail(`${where}.fields`, 'at most 10 fields');
          fields?.forEach((field, i) => this.textObject(`${where}.fields[${i}]`, field, 2000));
        }
        if (block.accessory !== undefined) this.element(`${where}.accessory`, block.accessory);
        break;
      }
      case 'header':
        this.textObject(`${where}.text`, block.text, 150, true);
        break;
      case 'context': {
        const elements = block.elements as unknown[];
        if (!Array.isArray(elements) || elements.length < 1 || elements.length > 10)
          this.fail(`${where}.elements`, 'must have 1 to 10 elements');
        elements?.forEach((element, i) => {
          const item = element as Json;
          if (item?.type === 'image') this.string(`${where}.elements[${i}].alt_text`, item.alt_text, 2000);
          else this.textObject(`${where}.elements[${i}]`, element, 3000);
        });
        break;
      }
      case 'actions': {
        const elements = block.elements as unknown[];
        if (!Array.isArray(elements) || elements.length < 1 || elements.length > 25)
          this.fail(`${where}.elements`, 'must have 1 to 25 elements');
        elements?.forEach((element, i) => this.element(`${where}.elements[${i}]`, element));
        break;
      }
      case 'input':
        this.textObject(`${where}.label`, block.label, 2000, true);
        if (block.hint !== undefined) this.textObject(`${where}.hint`, block.hint, 2000, true);
        this.element(`${where}.element`, block.element);
        break;
      case 'image':
        this.string(`${where}.alt_text`, block.alt_text, 2000);
        break;
      case 'markdown':
        this.string(`${where}.text`, block.text, 12000);
        break;
      default:
        break;
    }
  }
}

/** Problems with a list of blocks on a surface (for messages, the size limit too). */
export function checkBlocks(surface: Surface, blocks: unknown): string[] {
  const checker = new Checker();
  if (!Array.isArray(blocks)) return ['blocks: must be an array'];
  if (blocks.length > BLOCK_LIMIT[surface])
    checker.fail('blocks', `at most ${BLOCK_LIMIT[surface]} blocks in a ${surface} (has ${blocks.length})`);
  const size = JSON.stringify(blocks).length;
  if (surface === 'message' && size > MESSAGE_BLOCKS_MAX_CHARS)
    checker.fail('blocks', `msg_blocks_too_long (${size} characters)`);
  blocks.forEach((block, i) => checker.block(surface, `blocks[${i}]`, block));
  return checker.problems;
}

/** Problems with a view for views.open / update / push / publish. */
export function checkView(view: unknown): string[] {
  const v = view as Json;
  if (!v || typeof v !== 'object') return ['view: missing'];
  const surface: Surface | undefined = v.type === 'modal' ? 'modal' : v.type === 'home' ? 'home' : undefined;
  if (!surface) return ['view.type: must be modal or home'];
  const problems = checkBlocks(surface, v.blocks);
  const checker = new Checker();
  checker.string('view.private_metadata', v.private_metadata, 3000, false);
  checker.string('view.callback_id', v.callback_id, 255, false);
  checker.string('view.external_id', v.external_id, 255, false);
  if (surface === 'modal') {
    checker.textObject('view.title', v.title, 24, true);
    if (v.submit !== undefined) checker.textObject('view.submit', v.submit, 24, true);
    if (v.close !== undefined) checker.textObject('view.close', v.close, 24, true);
    const hasInput = Array.isArray(v.blocks) && v.blocks.some((block) => (block as Json)?.type === 'input');
    if (hasInput && v.submit === undefined) checker.fail('view.submit', 'required when the modal has input blocks');
  }
  return [...problems, ...checker.problems];
}
