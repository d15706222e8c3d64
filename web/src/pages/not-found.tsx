import { useTitle } from '../hooks';

export function NotFoundPage() {
  useTitle('Not found');
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is no page here. Go to the <a href="/">inventory</a>.
      </p>
    </>
  );
}
