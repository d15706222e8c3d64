/** Row of `task_rounds`: when a cluster-wide periodic task may next run, and who holds it. */
export interface TaskRoundTable {
  name: string;
  next_run_at: string;
  lease_token: string | null;
  lease_until: string | null;
  last_run_at: string | null;
}
