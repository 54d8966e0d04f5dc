import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { ApiError, describeError } from '../../api/errors';
import { Gateway, Video } from '../../api/services';
import type { CreateStreamRequest } from '../../api/types';
import { Empty, ErrorBanner, Spinner } from '../../components/Feedback';
import { Field } from '../../components/Field';
import { RequireAuth } from '../../components/RequireAuth';
import { StatusBadge } from '../../components/watch/LiveStats';
import { useAsync } from '../../hooks/useAsync';
import { useTitle } from '../../hooks/useTitle';
import { formKeyForField } from '../../products/schemaForm';
import { randomId } from '../../util/ids';
import { parseMoneyInput } from '../../util/money';

function CreateStreamForm() {
  const navigate = useNavigate();
  const config = useAsync(() => Gateway.GetClientConfig({}), []);
  const currencies = config.data?.config?.supportedCurrencies?.length ? config.data.config.supportedCurrencies : ['USD', 'EUR', 'GBP'];
  const [f, setF] = useState({ title: '', description: '', tags: '', schedule: '', gated: false, price: '', currency: 'USD' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const key = useRef(randomId('str_'));
  const set = (k: keyof typeof f) => (e: { target: { value: string; checked?: boolean; type?: string } }) =>
    setF((x) => ({ ...x, [k]: e.target.type === 'checkbox' ? !!e.target.checked : e.target.value }));

  const fieldErr = (name: string) => (error instanceof ApiError && error.field && formKeyForField(error.field).startsWith(name) ? [error.message] : undefined);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const req: CreateStreamRequest = {
      title: f.title.trim(),
      description: f.description.trim(),
      tags: f.tags
        .split(/[,\s]+/)
        .map((t) => t.trim().toLowerCase().replace(/^#/, ''))
        .filter(Boolean),
      idempotencyKey: key.current,
      gated: f.gated,
    };
    if (f.schedule) req.scheduledStartAt = new Date(f.schedule).toISOString();
    if (f.gated || f.price) {
      const minor = parseMoneyInput(f.price, f.currency);
      req.accessPrice = { amountMinor: minor ?? '0', currency: f.currency };
    }
    try {
      const r = await Video.CreateStream(req);
      navigate(`/host/streams/${r.stream?.id}`, { state: { endpoints: r.endpoints } });
    } catch (err) {
      setError(err);
      if (err instanceof ApiError && err.code !== 'UNAVAILABLE') key.current = randomId('str_');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel stack" onSubmit={submit} aria-label="Create a show" noValidate>
      <h2 className="panel-title">Create a show</h2>
      {error instanceof ApiError && !error.field ? <ErrorBanner error={error} /> : null}
      <Field label="Title *" errors={fieldErr('title')}>
        {({ id, describedBy, invalid }) => <input id={id} aria-describedby={describedBy} aria-invalid={invalid} value={f.title} onChange={set('title')} maxLength={140} />}
      </Field>
      <Field label="Description" errors={fieldErr('description')}>
        {({ id, describedBy, invalid }) => <textarea id={id} rows={3} aria-describedby={describedBy} aria-invalid={invalid} value={f.description} onChange={set('description')} />}
      </Field>
      <div className="grid-2">
        <Field label="Tags" hint="Up to 10, e.g. sneakers vintage" errors={fieldErr('tags')}>
          {({ id, describedBy, invalid }) => <input id={id} aria-describedby={describedBy} aria-invalid={invalid} value={f.tags} onChange={set('tags')} />}
        </Field>
        <Field label="Scheduled start (optional)" errors={fieldErr('scheduledStartAt')}>
          {({ id, describedBy, invalid }) => <input id={id} type="datetime-local" aria-describedby={describedBy} aria-invalid={invalid} value={f.schedule} onChange={set('schedule')} />}
        </Field>
      </div>
      <fieldset className="gated">
        <legend>Access</legend>
        <label className="check">
          <input type="checkbox" checked={f.gated} onChange={set('gated')} /> Paid show (viewers buy an access pass)
        </label>
        {f.gated && (
          <div className="grid-2">
            <Field label="Access price *" errors={fieldErr('accessPrice')}>
              {({ id, describedBy, invalid }) => <input id={id} inputMode="decimal" aria-describedby={describedBy} aria-invalid={invalid} value={f.price} onChange={set('price')} />}
            </Field>
            <Field label="Currency">
              {({ id }) => (
                <select id={id} value={f.currency} onChange={set('currency')}>
                  {currencies.map((c) => (
                    <option key={c}>{c}</option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        )}
      </fieldset>
      {error && !(error instanceof ApiError && !error.field) && !fieldErr('title') ? <p className="field-error">{describeError(error)}</p> : null}
      <button className="btn btn-primary" type="submit" disabled={busy || !f.title.trim()}>
        {busy ? 'Creating…' : 'Create show'}
      </button>
    </form>
  );
}

function MyStreams() {
  useTitle('Host console');
  const mine = useAsync(() => Video.ListMyStreams({ page: { pageSize: 50 } }), []);
  return (
    <section className="panel" aria-label="Your shows">
      <h2 className="panel-title">Your shows</h2>
      <ErrorBanner error={mine.error} onRetry={mine.reload} />
      {mine.loading && !mine.data && <Spinner />}
      {mine.data && !mine.data.streams?.length && <Empty>No shows yet. Create your first one.</Empty>}
      <ul className="my-streams">
        {(mine.data?.streams ?? []).map((s) => (
          <li key={s.id}>
            <StatusBadge status={s.status} />
            <Link to={`/host/streams/${s.id}`}>{s.title}</Link>
            <span className="muted">{s.createdAt ? new Date(s.createdAt).toLocaleDateString() : ''}</span>
            {s.status === 'STREAM_STATUS_ENDED' && (
              <Link to={`/watch/${s.id}`} className="link-btn" aria-label={`Replay of ${s.title}`}>
                Replay
              </Link>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function HostHomePage() {
  return (
    <RequireAuth role="host">
      <section className="page">
        <h1>Host console</h1>
        <p>
          <Link to="/host/orders">Orders to ship</Link>
        </p>
        <div className="host-home">
          <CreateStreamForm />
          <MyStreams />
        </div>
      </section>
    </RequireAuth>
  );
}
