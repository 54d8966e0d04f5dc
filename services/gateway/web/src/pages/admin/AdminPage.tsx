import { Products } from '../../api/services';
import { GrantRole } from '../../components/admin/GrantRole';
import { ProductTypeForm } from '../../components/admin/ProductTypeForm';
import { ErrorBanner, Spinner } from '../../components/Feedback';
import { RequireAuth } from '../../components/RequireAuth';
import { useAsync } from '../../hooks/useAsync';
import { useTitle } from '../../hooks/useTitle';

const kindName: Record<string, string> = {
  PARAMETER_KIND_TEXT: 'text',
  PARAMETER_KIND_INTEGER: 'number',
  PARAMETER_KIND_DECIMAL: 'decimal',
  PARAMETER_KIND_BOOLEAN: 'yes/no',
  PARAMETER_KIND_CHOICE: 'choice',
  PARAMETER_KIND_MONEY: 'money',
};

function Admin() {
  useTitle('Admin');
  const types = useAsync(() => Products.ListProductTypes({ includeArchived: true, page: { pageSize: 100 } }), []);
  const archive = async (id: string | undefined) => {
    if (!id || !window.confirm('Archive this product type? Existing products keep it.')) return;
    try {
      await Products.ArchiveProductType({ productTypeId: id });
      types.reload();
    } catch {
      types.reload();
    }
  };
  return (
    <section className="page">
      <h1>Admin</h1>
      <div className="admin-grid">
        <div className="stack">
          <section className="panel" aria-label="Product types">
            <h2 className="panel-title">Product types</h2>
            <ErrorBanner error={types.error} onRetry={types.reload} />
            {types.loading && !types.data && <Spinner />}
            <ul className="type-list">
              {(types.data?.productTypes ?? []).map((t) => (
                <li key={t.id} className={t.archived ? 'archived' : ''}>
                  <div>
                    <strong>{t.name}</strong> <span className="muted">v{t.version}{t.archived ? ' · archived' : ''}</span>
                    {t.description && <p className="muted">{t.description}</p>}
                    <ul className="tags">
                      {(t.parameters ?? []).map((p) => (
                        <li key={p.key}>
                          {p.label} · {kindName[p.kind ?? ''] ?? '?'}
                          {p.required ? ' *' : ''}
                        </li>
                      ))}
                    </ul>
                  </div>
                  {!t.archived && (
                    <button type="button" className="btn btn-small btn-ghost" onClick={() => void archive(t.id)}>
                      Archive
                    </button>
                  )}
                </li>
              ))}
            </ul>
          </section>
          <GrantRole />
        </div>
        <ProductTypeForm onCreated={() => types.reload()} />
      </div>
    </section>
  );
}

export default function AdminPage() {
  return (
    <RequireAuth role="admin">
      <Admin />
    </RequireAuth>
  );
}
