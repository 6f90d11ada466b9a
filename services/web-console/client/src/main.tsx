import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { BrowserRouter } from 'react-router';
import { ApiError, NetworkError } from './api';
import { App } from './app';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // Network loss: keep retrying (the banner says so); a service's refusal is shown at once.
      retry: (failures, error) => error instanceof NetworkError || failures < 0,
      retryDelay: (attempt) => Math.min(500 * 2 ** attempt, 5000),
      refetchOnWindowFocus: true,
    },
    mutations: {
      // The budget service refuses a command that raced another change of the same budget inside
      // the platform; the console sends no version, so the same command is simply tried again.
      retry: (failures, error) => error instanceof ApiError && error.code === 'BUDGET.CHANGED_CONCURRENTLY' && failures < 3,
      retryDelay: 300,
    },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
