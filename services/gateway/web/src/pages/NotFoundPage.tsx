import { Link } from 'react-router-dom';

export function NotFoundPage() {
  return (
    <section className="page narrow">
      <h1>Page not found</h1>
      <p>
        That page does not exist. <Link to="/">See what is live</Link>.
      </p>
    </section>
  );
}
