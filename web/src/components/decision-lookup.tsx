import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, ApiError, enc, query } from '../api';
import { ErrorBox } from './ui';

const INPUT_HASH = /^[0-9a-f]{64}$/;

/**
 * "Look up a decision": a record id (or, with the model, the input hash of the features), and
 * optionally the model. Opens the decision's page; an input hash is first resolved to its record.
 */
export function DecisionLookup({ model: fixedModel, id = 'lookup' }: { model?: string; id?: string }) {
  const location = useLocation();
  const [value, setValue] = useState('');
  const [model, setModel] = useState(fixedModel ?? '');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    const wanted = value.trim();
    const name = model.trim();
    setError(undefined);
    if (!wanted) return setError('Type a record id or an input hash.');
    if (!INPUT_HASH.test(wanted)) {
      location.route(`/predictions/${enc(wanted)}${query({ model: name })}`);
      return;
    }
    if (!name) return setError('An input hash names a decision only with its model: type the model too.');
    setBusy(true);
    try {
      const found = await api.get<{ recordId: string; model: string; version: string }>(
        `/predictions${query({ model: name, inputHash: wanted })}`,
      );
      location.route(
        `/predictions/${enc(found.recordId)}${query({ model: found.model, version: found.version })}`,
      );
    } catch (e) {
      setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="lookup" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Look up a decision</h2>
      <div class="filters">
        <div class="field">
          <label for={`${id}-record`}>Record id or input hash</label>
          <input
            id={`${id}-record`}
            value={value}
            required
            autoComplete="off"
            onInput={(e) => setValue(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for={`${id}-model`}>Model (optional)</label>
          <input id={`${id}-model`} value={model} onInput={(e) => setModel(e.currentTarget.value)} />
        </div>
        <button type="submit" disabled={busy}>
          Look up
        </button>
      </div>
      {error ? <ErrorBox error={error} /> : null}
    </form>
  );
}
