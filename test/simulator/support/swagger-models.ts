import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

type Property = { type: string; required?: boolean };
type Model = { id: string; properties: Record<string, Property>; subTypes?: string[] };

/** The ARI models of Asterisk 22's api-docs, and a validator of JSON against them. */
export class SwaggerModels {
  readonly models = new Map<string, Model>();
  private readonly parentOf = new Map<string, string>();

  constructor(dir: string) {
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
      const doc = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { models?: Record<string, Model> };
      for (const [name, model] of Object.entries(doc.models ?? {})) {
        this.models.set(name, model);
        for (const sub of model.subTypes ?? []) this.parentOf.set(sub, name);
      }
    }
  }

  /** Problems with `value` as an instance of `modelName` (empty when it conforms). */
  validate(modelName: string, value: unknown, at = modelName): string[] {
    const model = this.models.get(modelName);
    if (!model) return [`${at}: no model ${modelName}`];
    if (!value || typeof value !== 'object') return [`${at}: not an object`];
    const problems: string[] = [];
    const props: Record<string, Property> = { ...model.properties };
    for (let p = this.parentOf.get(modelName); p; p = this.parentOf.get(p)) Object.assign(props, this.models.get(p)!.properties);
    const obj = value as Record<string, unknown>;
    for (const [name, prop] of Object.entries(props)) {
      if (obj[name] === undefined) {
        if (prop.required) problems.push(`${at}.${name}: required`);
        continue;
      }
      problems.push(...this.checkType(prop.type, obj[name], `${at}.${name}`));
    }
    return problems;
  }

  private checkType(type: string, v: unknown, at: string): string[] {
    const list = /^List\[(.+)\]$/.exec(type);
    if (list) return Array.isArray(v) ? v.flatMap((x, i) => this.checkType(list[1], x, `${at}[${i}]`)) : [`${at}: not a list`];
    switch (type) {
      case 'string':
        return typeof v === 'string' ? [] : [`${at}: not a string`];
      case 'int':
      case 'long':
      case 'double':
        return typeof v === 'number' ? [] : [`${at}: not a number`];
      case 'boolean':
        return typeof v === 'boolean' ? [] : [`${at}: not a boolean`];
      case 'Date':
        return typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}$/.test(v) ? [] : [`${at}: not an Asterisk date (${String(v)})`];
      case 'object':
        return typeof v === 'object' && v !== null ? [] : [`${at}: not an object`];
      default:
        return this.models.has(type) ? this.validate(type, v, at) : [];
    }
  }
}
