/**
 * A strategic merge patch as Kubernetes applies it, for what our patches do: maps merge field
 * by field (`null` deletes), lists of objects that all carry a `name` (containers, env,
 * volumes, volume mounts, ports) merge item by item on it, and any other list is replaced.
 * Kubernetes keys a few lists on other fields (`containerPort`, `mountPath`); our patches do
 * not touch those.
 */
export function strategicMerge(target: unknown, patch: unknown): unknown {
  if (isMap(target) && isMap(patch)) {
    const merged: Record<string, unknown> = { ...target };
    for (const [field, value] of Object.entries(patch)) {
      if (value === null) delete merged[field];
      else merged[field] = field in target ? strategicMerge(target[field], value) : value;
    }
    return merged;
  }
  if (Array.isArray(target) && Array.isArray(patch) && namedItems(target) && namedItems(patch)) {
    const merged = [...target];
    for (const item of patch) {
      const index = merged.findIndex((existing) => existing.name === item.name);
      if (index < 0) merged.push(item);
      else merged[index] = strategicMerge(merged[index], item) as { name: string };
    }
    return merged;
  }
  return patch;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function namedItems(list: unknown[]): list is Array<{ name: string }> {
  return list.every((item) => isMap(item) && typeof item.name === 'string');
}
