import type { CodecSchemas } from '@redstream/codec';
import { createOrderRegistry } from '@redstream/orders-demo';
import type { ProducerConfig } from './config.js';
import { loadSchemaDirectory } from './json-schema-files.js';

export interface ProducerSchemas {
  registry: CodecSchemas;
  /** For the start log line: where the schemas come from and which types they hold. */
  source: string;
  types: Record<string, number[]>;
}

/**
 * The schemas the producer validates with: SCHEMAS_DIR's JSON Schema files when set (throws
 * SchemaFileError on a bad file), else the orders demo's own (zod) schemas, so the demo and
 * existing deployments work without a schema directory.
 */
export function loadProducerSchemas(config: ProducerConfig): ProducerSchemas {
  if (config.schemasDir !== undefined) {
    const { registry, types } = loadSchemaDirectory(config.schemasDir, config.unknownTypes);
    return { registry, source: config.schemasDir, types };
  }
  const registry = createOrderRegistry({ unknownTypes: config.unknownTypes });
  return {
    registry,
    source: 'built-in orders demo schemas',
    types: Object.fromEntries(registry.types().map((type) => [type, registry.versions(type)])),
  };
}
