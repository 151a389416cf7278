import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import type { KubeObject } from './kustomize.js';

/**
 * Where each kind's model lives: `kubernetes-models` for Kubernetes, `@kubernetes-models/keda`
 * for KEDA. A kind missing here is an error, so no object goes out unchecked.
 */
const MODELS: Record<string, { module: string; className: string }> = {
  'v1/Namespace': { module: 'kubernetes-models/v1/Namespace', className: 'Namespace' },
  'v1/ConfigMap': { module: 'kubernetes-models/v1/ConfigMap', className: 'ConfigMap' },
  'v1/Secret': { module: 'kubernetes-models/v1/Secret', className: 'Secret' },
  'v1/Service': { module: 'kubernetes-models/v1/Service', className: 'Service' },
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1/Deployment', className: 'Deployment' },
  'apps/v1/StatefulSet': {
    module: 'kubernetes-models/apps/v1/StatefulSet',
    className: 'StatefulSet',
  },
  'policy/v1/PodDisruptionBudget': {
    module: 'kubernetes-models/policy/v1/PodDisruptionBudget',
    className: 'PodDisruptionBudget',
  },
  'keda.sh/v1alpha1/ScaledObject': {
    module: '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject',
    className: 'ScaledObject',
  },
};

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

/**
 * Every problem found in `objects`, each naming the object: a kind without a schema, what the
 * schema refuses (types, required fields, enums: the models' JSON schema validators), and
 * fields the schema does not have. The models' validators let unknown fields through (their
 * schemas allow additional properties), so a typo like `selectr` would pass them and
 * Kubernetes would drop it silently; the models' TypeScript interfaces list every field, and
 * the compiler's excess property check on an object literal of that type finds the typo.
 */
export function schemaProblems(objects: KubeObject[]): string[] {
  const problems: string[] = [];
  const typed: Array<{ object: KubeObject; model: { module: string; className: string } }> = [];
  for (const object of objects) {
    const id = describe(object);
    const model = MODELS[`${object.apiVersion}/${object.kind}`];
    if (!model) {
      problems.push(`${id}: no schema for ${object.apiVersion} ${object.kind}`);
      continue;
    }
    const Model = (require(model.module) as Record<string, new (data: unknown) => Validatable>)[
      model.className
    ];
    if (!Model) throw new Error(`${model.module} has no ${model.className}`);
    try {
      new Model(object).validate();
    } catch (error) {
      problems.push(`${id}: ${(error as Error).message}`);
    }
    typed.push({ object, model });
  }
  problems.push(...unknownFieldProblems(typed));
  problems.push(...objects.flatMap(triggerMetadataProblems));
  return problems;
}

/**
 * A ScaledObject trigger's `metadata` is a free string map in the CRD; the scaler reads only
 * the keys its documentation lists (keda.sh/docs/2.x/scalers/prometheus), and ignores a
 * misspelt one. Each trigger type the manifests use is checked against that list.
 */
const TRIGGER_METADATA: Record<string, readonly string[]> = {
  prometheus: [
    'serverAddress',
    'query',
    'threshold',
    'activationThreshold',
    'namespace',
    'customHeaders',
    'ignoreNullValues',
    'queryParameters',
    'unsafeSsl',
    'timeout',
    'authModes',
  ],
};

function triggerMetadataProblems(object: KubeObject): string[] {
  if (object.kind !== 'ScaledObject') return [];
  const triggers =
    (object.spec as { triggers?: Array<{ type: string; metadata?: Record<string, string> }> })
      ?.triggers ?? [];
  return triggers.flatMap((trigger, index) => {
    const known = TRIGGER_METADATA[trigger.type];
    const where = `${describe(object)} at spec.triggers.${index}.metadata`;
    if (!known) return [`${describe(object)}: trigger type ${trigger.type} is not checked here`];
    return Object.keys(trigger.metadata ?? {})
      .filter((key) => !known.includes(key))
      .map((key) => `${where}: unknown ${trigger.type} trigger field "${key}"`);
  });
}

interface Validatable {
  validate(): void;
}

function describe(object: KubeObject): string {
  return `${object.kind} ${object.metadata?.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata?.name}`;
}

/** Type-checks each object as an object literal of its model's interface. */
function unknownFieldProblems(
  typed: Array<{ object: KubeObject; model: { module: string; className: string } }>,
): string[] {
  if (typed.length === 0) return [];
  // In this package, so the models resolve from its node_modules; never written to disk.
  const fileName = join(here, '__manifests__.ts');
  const lines: string[] = [];
  const owners: Array<{ firstLine: number; id: string }> = [];
  typed.forEach(({ model }, index) => {
    lines.push(`import type { I${model.className} as T${index} } from '${model.module}';`);
  });
  typed.forEach(({ object }, index) => {
    owners.push({ firstLine: lines.length, id: describe(object) });
    lines.push(
      ...`export const o${index}: T${index} = ${JSON.stringify(object, null, 1)};`.split('\n'),
    );
  });
  const source = lines.join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === fileName
      ? ts.createSourceFile(name, source, languageVersion, true)
      : getSourceFile(name, languageVersion, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const program = ts.createProgram([fileName], options, host);
  const checker = program.getTypeChecker();
  const sourceFile = program.getSourceFile(fileName);
  if (!sourceFile) throw new Error('the generated manifests source was not compiled');
  const problems: string[] = [];
  // Every object literal against the type the model expects there: each property it does
  // not declare is a problem (all of them, where the compiler stops at the first per literal).
  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node)) {
      const expected = checker.getContextualType(node);
      if (expected) {
        const types = checker.getNonNullableType(expected);
        const candidates = types.isUnion() ? types.types : [types];
        const open = candidates.some((type) => checker.getIndexInfosOfType(type).length > 0);
        for (const property of node.properties) {
          if (open || !ts.isPropertyAssignment(property) || !ts.isStringLiteral(property.name))
            continue;
          const field = property.name.text;
          if (candidates.some((type) => checker.getPropertyOfType(type, field))) continue;
          const { line } = sourceFile.getLineAndCharacterOfPosition(property.getStart(sourceFile));
          const owner = [...owners].reverse().find((candidate) => candidate.firstLine <= line);
          const path = jsonPathAt(sourceFile, property.name.getStart(sourceFile));
          problems.push(
            `${owner?.id ?? 'manifest'} at ${path}: unknown field "${field}" (${checker.typeToString(types)} has no such field)`,
          );
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return problems;
}

/** The property path (`spec.selectr`) of the node at `position` in the generated source. */
function jsonPathAt(file: ts.SourceFile, position: number): string {
  const path: string[] = [];
  const visit = (node: ts.Node): void => {
    if (position < node.getStart(file) || position >= node.getEnd()) return;
    if (ts.isPropertyAssignment(node) && ts.isStringLiteral(node.name)) path.push(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return path.join('.');
}
