/*
 * online_load — steady-rate single-row INSERT load with per-insert latency, for measuring how long
 * a schema change stalls writers ("online" migrations: no writer may wait more than 200 ms).
 *
 * Build (Debian 12: libpq-dev, libmariadb-dev, libsqlite3-dev):
 *   cc -O2 -Wall -pthread -o online_load bench/online/online_load.c \
 *      -I/usr/include/postgresql -I/usr/include/mariadb -lpq -lmariadb -lsqlite3 -lm
 *
 * Run:
 *   online_load -b pg      -d 'host=127.0.0.1 port=5432 user=tsm password=… dbname=bench' [opts]
 *   online_load -b mariadb -d '127.0.0.1:3306:tsm:tsm-secret:bench'                        [opts]
 *   online_load -b sqlite  -d /path/file.db -B 5000                                        [opts]
 * Options:
 *   -r RATE     inserts per second (default 50); the schedule is fixed (open loop): after a
 *               stall the backlog is sent back-to-back, so "lag" shows the writer-visible delay
 *   -t SECS     stop after SECS (default: run until SIGINT/SIGTERM or the file named by -x exists)
 *   -x FILE     stop as soon as FILE exists (lets a script end the load right after the DDL)
 *   -s SQL      INSERT to run; "{n}" is replaced by a counter, "{msg}" by a ~200-byte log message
 *               (default: an INSERT into log_entries matching turnstone revision 1 columns)
 *   -B MS       sqlite busy_timeout in ms (default 10000)
 *   -o FILE     write one CSV line per insert: wall_ms_epoch,latency_us,lag_us,ok
 *   -l LABEL    label printed in the summary line
 *   -q RATE     also run a full-text reader: RATE selective queries per second (default 0 = off)
 *               on its own connection in a second thread, stopping with the writer
 *   -Q SQL      the reader's query (default: per backend, below)
 * Output (stdout, one line, then up to 5 worst inserts and, with -q, up to 3 worst queries):
 *   LABEL n=… err=… reconnects=… p50=…ms p99=…ms max=…ms maxlag=…ms >200ms=…
 *         [rd_n=… rd_err=… rd_unavail=… rd_skipped=… rd_empty=… rd_p50=…ms rd_p99=…ms rd_max=…ms]
 *         first_err="…" [rd_first_err="…" rd_unavail_why="…"]
 * latency = time the INSERT call took; lag = completion time minus its scheduled start time.
 * Errors are counted, the connection is re-opened after a lost connection, and the load goes on.
 *
 * The reader (-q) runs one query per tick, LIMIT 50, for a token of the benchmark's fill rows
 * ("… failure for user42 from …"; the writer's own rows say "user u42", so they never match):
 *   sqlite   SELECT e.id FROM log_entries e JOIN log_entries_fts f ON f.rowid = e.id
 *            WHERE log_entries_fts MATCH 'user42' ORDER BY e.id DESC LIMIT 50
 *   pg       SELECT id FROM log_entries WHERE to_tsvector('simple'::regconfig, message)
 *            @@ to_tsquery('simple', 'user42') ORDER BY id DESC LIMIT 50   (the index expression)
 *   mariadb  SELECT e.id FROM log_entries e JOIN log_entries_fts f ON f.id = e.id
 *            WHERE MATCH(f.message) AGAINST ('+user42' IN BOOLEAN MODE) ORDER BY e.id DESC LIMIT 50
 *            (the FULLTEXT side table kept in sync by triggers, issue 14; not built yet)
 * "Not yet available" is counted apart from errors (rd_unavail, not in the latencies) until the
 * first query succeeds: before Turnstone revision 2 no full-text objects exist. It means: SQLite
 * "no such table"; MariaDB 1146 (no such table) or 1191 (no matching FULLTEXT index); PostgreSQL,
 * where the query would run without its index (a sequential scan computing to_tsvector on every
 * row, which would load the server), the query is not sent until ix_log_entries_fts exists and is
 * valid (a pg_index probe each tick). After the first success every failure is an error (rd_err,
 * its latency counted; rd_first_err says what). rd_empty counts successful queries that found no
 * row (a sanity check: the fill has user42 in one row of 997). The schedule is fixed, but a tick
 * that a slow query overran is skipped (rd_skipped), not sent late in a burst: the reader measures
 * how long a query waits, the writer how far a backlog grows.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <mysql.h>
#include <sqlite3.h>

static volatile sig_atomic_t g_stop = 0;
static void on_signal(int sig) { (void)sig; g_stop = 1; }
static atomic_int g_writer_done = 0;  /* the writer's loop ended: the reader stops too */

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
static double wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}
static void sleep_until(double t) {
  double now = mono_s();
  if (t <= now) return;
  struct timespec ts = {(time_t)(t - now), (long)((t - now - (time_t)(t - now)) * 1e9)};
  while (nanosleep(&ts, &ts) == -1 && errno == EINTR && !g_stop) {}
}

typedef struct {
  double wall_ms;  /* wall clock at start */
  double lat_us;
  double lag_us;
  int ok;
} Sample;

static const char *kDefaultSql =
    "INSERT INTO log_entries (source_id, timestamp, severity, hostname, service, message) "
    "VALUES ('journald:sshd', CURRENT_TIMESTAMP, 'INFO', 'host{n}', 'sshd', '{msg}')";

/* Replace {n} and {msg} in tpl. */
static char *render(const char *tpl, long n) {
  char msg[256];
  static const char *words[] = {"auth", "authentication", "session", "connection", "kernel",
                                "cron", "dockerd", "sonarr", "nginx", "systemd"};
  snprintf(msg, sizeof msg,
           "%s failure for user u%ld from 10.%ld.%ld.%ld port %ld ssh2: live-load row %ld "
           "request id %08lx%08lx trace %08lx span %08lx status=%ld bytes=%ld elapsed=%ldms",
           words[n % 10], n % 977, n % 256, (n / 7) % 256, (n / 13) % 256, 1024 + n % 60000, n,
           (unsigned long)(n * 2654435761u), (unsigned long)(n * 40503u), (unsigned long)(n * 97u),
           (unsigned long)(n * 31u), 200 + n % 5 * 100, n % 100000, n % 5000);
  size_t cap = strlen(tpl) + 512, len = 0;
  char *out = malloc(cap);
  for (const char *p = tpl; *p;) {
    const char *rep = NULL;
    char num[32];
    size_t skip = 0;
    if (!strncmp(p, "{n}", 3)) { snprintf(num, sizeof num, "%ld", n); rep = num; skip = 3; }
    else if (!strncmp(p, "{msg}", 5)) { rep = msg; skip = 5; }
    if (rep) {
      size_t l = strlen(rep);
      if (len + l + 1 >= cap) { cap = (len + l) * 2 + 64; out = realloc(out, cap); }
      memcpy(out + len, rep, l); len += l; p += skip;
    } else {
      if (len + 2 >= cap) { cap *= 2; out = realloc(out, cap); }
      out[len++] = *p++;
    }
  }
  out[len] = 0;
  return out;
}

/* ---- backends ---- */
typedef struct {
  const char *backend, *dsn;
  int busy_ms;
  PGconn *pg;
  MYSQL *my;
  sqlite3 *lite;
} Conn;

static int conn_open(Conn *c, char *err, size_t errlen) {
  if (!strcmp(c->backend, "pg")) {
    c->pg = PQconnectdb(c->dsn);
    if (PQstatus(c->pg) != CONNECTION_OK) {
      snprintf(err, errlen, "%s", PQerrorMessage(c->pg));
      PQfinish(c->pg); c->pg = NULL;
      return -1;
    }
    PQclear(PQexec(c->pg, "SET application_name = 'online_load'"));
    return 0;
  }
  if (!strcmp(c->backend, "mariadb")) {
    char buf[512];
    snprintf(buf, sizeof buf, "%s", c->dsn);
    char *f[5] = {0};
    char *save = NULL, *tok = strtok_r(buf, ":", &save);
    for (int i = 0; i < 5 && tok; ++i, tok = strtok_r(NULL, ":", &save)) f[i] = tok;
    if (!f[4]) { snprintf(err, errlen, "mariadb dsn is host:port:user:password:db"); return -1; }
    c->my = mysql_init(NULL);
    if (!mysql_real_connect(c->my, f[0], f[2], f[3], f[4], (unsigned)atoi(f[1]), NULL, 0)) {
      snprintf(err, errlen, "%s", mysql_error(c->my));
      mysql_close(c->my); c->my = NULL;
      return -1;
    }
    mysql_query(c->my, "SET SESSION autocommit = 1");
    return 0;
  }
  if (!strcmp(c->backend, "sqlite")) {
    if (sqlite3_open(c->dsn, &c->lite) != SQLITE_OK) {
      snprintf(err, errlen, "%s", sqlite3_errmsg(c->lite));
      return -1;
    }
    sqlite3_busy_timeout(c->lite, c->busy_ms);
    return 0;
  }
  snprintf(err, errlen, "unknown backend %s", c->backend);
  return -1;
}

static void conn_close(Conn *c) {
  if (c->pg) PQfinish(c->pg), c->pg = NULL;
  if (c->my) mysql_close(c->my), c->my = NULL;
  if (c->lite) sqlite3_close(c->lite), c->lite = NULL;
}

static int count_row(void *rows, int ncol, char **val, char **name) {
  (void)ncol; (void)val; (void)name;
  ++*(long *)rows;
  return 0;
}

/* 0 ok, -1 statement error (connection kept), -2 connection lost. *rows (if given): rows
 * returned (the whole result is fetched, so a query's latency includes reading it). */
static int conn_exec_rows(Conn *c, const char *sql, long *rows, char *err, size_t errlen) {
  long dummy = 0;
  if (!rows) rows = &dummy;
  *rows = 0;
  if (c->pg) {
    PGresult *r = PQexec(c->pg, sql);
    int st = PQresultStatus(r), rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      snprintf(err, errlen, "%s %s", code ? code : "-----", PQerrorMessage(c->pg));
      rc = PQstatus(c->pg) == CONNECTION_OK ? -1 : -2;
    } else if (st == PGRES_TUPLES_OK) {
      *rows = PQntuples(r);
    }
    PQclear(r);
    return rc;
  }
  if (c->my) {
    if (mysql_query(c->my, sql)) {
      unsigned e = mysql_errno(c->my);
      snprintf(err, errlen, "%u %s", e, mysql_error(c->my));
      return (e == 2006 || e == 2013) ? -2 : -1;
    }
    MYSQL_RES *res = mysql_store_result(c->my);
    if (res) {
      *rows = (long)mysql_num_rows(res);
      mysql_free_result(res);
    }
    return 0;
  }
  if (c->lite) {
    char *m = NULL;
    if (sqlite3_exec(c->lite, sql, count_row, rows, &m) != SQLITE_OK) {
      snprintf(err, errlen, "%d %s", sqlite3_extended_errcode(c->lite), m ? m : "");
      sqlite3_free(m);
      return -1;
    }
    return 0;
  }
  snprintf(err, errlen, "not connected");
  return -2;
}
static int conn_exec(Conn *c, const char *sql, char *err, size_t errlen) {
  return conn_exec_rows(c, sql, NULL, err, errlen);
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static int cmp_sample_lat_desc(const void *a, const void *b) {
  double x = ((const Sample *)a)->lat_us, y = ((const Sample *)b)->lat_us;
  return x < y ? 1 : x > y ? -1 : 0;
}

/* p50/p99/max of the samples' latencies, in µs (n > 0). */
static void percentiles(const Sample *s, size_t n, double *p50, double *p99, double *mx) {
  double *lat = malloc(n * sizeof *lat);
  for (size_t i = 0; i < n; ++i) lat[i] = s[i].lat_us;
  qsort(lat, n, sizeof *lat, cmp_double);
  *p50 = lat[(size_t)floor(0.50 * (n - 1))];
  *p99 = lat[(size_t)floor(0.99 * (n - 1))];
  *mx = lat[n - 1];
  free(lat);
}
static void one_line(char *text) {
  for (char *p = text; *p; ++p)
    if (*p == '\n' || *p == '"') *p = ' ';
}
static void print_worst(const char *what, Sample *s, size_t n, size_t k) {
  qsort(s, n, sizeof *s, cmp_sample_lat_desc);
  for (size_t i = 0; i < n && i < k; ++i) {
    time_t sec = (time_t)(s[i].wall_ms / 1000);
    struct tm tm;
    localtime_r(&sec, &tm);
    printf("  %s#%zu at %02d:%02d:%02d.%03d latency=%.1fms ok=%d\n", what, i + 1, tm.tm_hour, tm.tm_min, tm.tm_sec,
           (int)fmod(s[i].wall_ms, 1000), s[i].lat_us / 1e3, s[i].ok);
  }
}

/* ---- the full-text reader (-q) ---- */
static const char *default_query(const char *backend) {
  if (!strcmp(backend, "sqlite"))
    return "SELECT e.id FROM log_entries e JOIN log_entries_fts f ON f.rowid = e.id "
           "WHERE log_entries_fts MATCH 'user42' ORDER BY e.id DESC LIMIT 50";
  if (!strcmp(backend, "mariadb"))
    return "SELECT e.id FROM log_entries e JOIN log_entries_fts f ON f.id = e.id "
           "WHERE MATCH(f.message) AGAINST ('+user42' IN BOOLEAN MODE) ORDER BY e.id DESC LIMIT 50";
  return "SELECT id FROM log_entries WHERE to_tsvector('simple'::regconfig, message) "
         "@@ to_tsquery('simple', 'user42') ORDER BY id DESC LIMIT 50";
}
/* PostgreSQL: one row once the expression index the query needs exists and is usable. */
static const char *kPgFtsProbe =
    "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass('ix_log_entries_fts') AND indisvalid AND indisready";

/* Before the first success: does this error mean the full-text objects are not there yet? */
static int missing_fts(const Conn *c, const char *err) {
  if (c->my) return !strncmp(err, "1146 ", 5) || !strncmp(err, "1191 ", 5);
  if (c->lite) return strstr(err, "no such table") != NULL;
  return 0;
}

typedef struct {
  Conn c;
  double rate;
  const char *sql, *stopfile;
  Sample *s;
  size_t n, cap;
  long errors, unavail, skipped, empty, reconnects;
  char first_err[1024], unavail_why[1024];
} Reader;

static void reader_add(Reader *r, Sample x) {
  if (r->n == r->cap) { r->cap = r->cap ? r->cap * 2 : 1024; r->s = realloc(r->s, r->cap * sizeof *r->s); }
  r->s[r->n++] = x;
}

static void *reader_main(void *arg) {
  Reader *r = arg;
  char err[1024];
  int available = 0;
  const int mariadb = !strcmp(r->c.backend, "mariadb");
  if (mariadb) mysql_thread_init();
  double interval = 1.0 / r->rate, sched = mono_s();
  while (!g_stop && !atomic_load(&g_writer_done)) {
    sleep_until(sched);
    if (g_stop || atomic_load(&g_writer_done)) break;
    struct stat st;
    if (r->stopfile && stat(r->stopfile, &st) == 0) break;
    if (!(r->c.pg || r->c.my || r->c.lite)) {  /* lost earlier: one reconnect attempt per tick */
      if (conn_open(&r->c, err, sizeof err) == 0) {
        ++r->reconnects;
      } else {
        ++r->errors;
        if (!r->first_err[0]) snprintf(r->first_err, sizeof r->first_err, "reconnect: %.900s", err);
        goto next;
      }
    }
    long rows = 0;
    int rc = 0;
    if (!available && r->c.pg) {
      rc = conn_exec_rows(&r->c, kPgFtsProbe, &rows, err, sizeof err);
      if (rc == 0 && rows == 0) {
        ++r->unavail;
        if (!r->unavail_why[0]) snprintf(r->unavail_why, sizeof r->unavail_why, "index ix_log_entries_fts not there or not valid yet");
        goto next;
      }
    }
    double w = wall_ms(), a = mono_s();
    if (rc == 0) rc = conn_exec_rows(&r->c, r->sql, &rows, err, sizeof err);
    double b = mono_s();
    if (rc == 0) {
      available = 1;
      if (rows == 0) ++r->empty;
    } else if (!available && rc == -1 && missing_fts(&r->c, err)) {
      ++r->unavail;
      if (!r->unavail_why[0]) snprintf(r->unavail_why, sizeof r->unavail_why, "%s", err);
      goto next;
    } else {
      ++r->errors;
      if (!r->first_err[0]) snprintf(r->first_err, sizeof r->first_err, "%s", err);
      if (rc == -2) conn_close(&r->c);  /* re-opened at the next tick */
    }
    reader_add(r, (Sample){w, (b - a) * 1e6, (b - sched) * 1e6, rc == 0});
  next:
    sched += interval;
    double now = mono_s();
    if (now > sched + interval) {  /* overran one tick or more: skip them, start again now */
      r->skipped += (long)((now - sched) / interval);
      sched = now;
    }
  }
  conn_close(&r->c);
  if (mariadb) mysql_thread_end();
  return NULL;
}

int main(int argc, char **argv) {
  Conn c = {.backend = "pg", .busy_ms = 10000};
  double rate = 50, secs = 0;
  const char *sql = kDefaultSql, *csv = NULL, *label = "load", *stopfile = NULL, *query = NULL;
  double qrate = 0;
  int opt;
  while ((opt = getopt(argc, argv, "b:d:r:t:s:B:o:l:x:q:Q:")) != -1) {
    switch (opt) {
      case 'b': c.backend = optarg; break;
      case 'd': c.dsn = optarg; break;
      case 'r': rate = atof(optarg); break;
      case 't': secs = atof(optarg); break;
      case 's': sql = optarg; break;
      case 'B': c.busy_ms = atoi(optarg); break;
      case 'o': csv = optarg; break;
      case 'l': label = optarg; break;
      case 'x': stopfile = optarg; break;
      case 'q': qrate = atof(optarg); break;
      case 'Q': query = optarg; break;
      default: fprintf(stderr, "see the header of online_load.c for usage\n"); return 2;
    }
  }
  if (!c.dsn || rate <= 0 || qrate < 0) { fprintf(stderr, "need -d DSN, a positive -r and -q >= 0\n"); return 2; }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  if (!strcmp(c.backend, "mariadb")) mysql_library_init(0, NULL, NULL);  /* before any thread */

  char err[1024], first_err[1024] = "";
  if (conn_open(&c, err, sizeof err)) { fprintf(stderr, "connect: %s\n", err); return 1; }

  Reader rd = {.c = {.backend = c.backend, .dsn = c.dsn, .busy_ms = c.busy_ms}, .rate = qrate,
               .sql = query ? query : default_query(c.backend), .stopfile = stopfile};
  pthread_t reader;
  int reading = 0;
  if (qrate > 0) {
    if (conn_open(&rd.c, err, sizeof err)) { fprintf(stderr, "reader connect: %s\n", err); return 1; }
    if (rd.c.pg) PQclear(PQexec(rd.c.pg, "SET application_name = 'online_load_reader'"));
    if (pthread_create(&reader, NULL, reader_main, &rd)) { fprintf(stderr, "reader thread failed\n"); return 1; }
    reading = 1;
  }

  size_t cap = 1 << 16, n = 0;
  Sample *s = malloc(cap * sizeof *s);
  FILE *out = csv ? fopen(csv, "w") : NULL;
  double interval = 1.0 / rate, t0 = mono_s();
  long errors = 0, reconnects = 0;
  for (long i = 0; !g_stop; ++i) {
    double sched = t0 + i * interval;
    if (secs > 0 && sched - t0 >= secs) break;
    sleep_until(sched);
    if (g_stop) break;
    if (stopfile && (i % 5) == 0) {
      struct stat st;
      if (stat(stopfile, &st) == 0) break;
    }
    char *q = render(sql, i + 1);
    double w = wall_ms(), a = mono_s();
    int rc = c.pg || c.my || c.lite ? conn_exec(&c, q, err, sizeof err) : -2;
    double b = mono_s();
    free(q);
    if (rc) {
      ++errors;
      if (!first_err[0]) snprintf(first_err, sizeof first_err, "%s", err);
      if (rc == -2) {
        conn_close(&c);
        if (conn_open(&c, err, sizeof err) == 0) ++reconnects;
      }
    }
    if (n == cap) { cap *= 2; s = realloc(s, cap * sizeof *s); }
    s[n++] = (Sample){w, (b - a) * 1e6, (b - sched) * 1e6, rc == 0};
    if (out) fprintf(out, "%.3f,%.0f,%.0f,%d\n", w, (b - a) * 1e6, (b - sched) * 1e6, rc == 0);
  }
  if (out) fclose(out);
  atomic_store(&g_writer_done, 1);
  if (reading) pthread_join(reader, NULL);
  conn_close(&c);

  double p50 = 0, p99 = 0, mx = 0, maxlag = 0;
  long over = 0;
  if (n) percentiles(s, n, &p50, &p99, &mx);
  for (size_t i = 0; i < n; ++i) {
    if (s[i].lag_us > maxlag) maxlag = s[i].lag_us;
    if (s[i].lat_us > 200000) ++over;
  }
  one_line(first_err);
  printf("%s n=%zu err=%ld reconnects=%ld p50=%.2fms p99=%.2fms max=%.1fms maxlag=%.1fms >200ms=%ld", label, n,
         errors, reconnects, p50 / 1e3, p99 / 1e3, mx / 1e3, maxlag / 1e3, over);
  double rp50 = 0, rp99 = 0, rmx = 0;
  if (reading) {
    if (rd.n) percentiles(rd.s, rd.n, &rp50, &rp99, &rmx);
    printf(" rd_n=%zu rd_err=%ld rd_unavail=%ld rd_skipped=%ld rd_empty=%ld rd_p50=%.2fms rd_p99=%.2fms rd_max=%.1fms",
           rd.n, rd.errors, rd.unavail, rd.skipped, rd.empty, rp50 / 1e3, rp99 / 1e3, rmx / 1e3);
  }
  printf(" first_err=\"%s\"", first_err);
  if (reading) {
    one_line(rd.first_err);
    one_line(rd.unavail_why);
    printf(" rd_first_err=\"%s\" rd_unavail_why=\"%s\"", rd.first_err, rd.unavail_why);
  }
  printf("\n");
  print_worst("worst", s, n, 5);
  if (reading) print_worst("reader worst", rd.s, rd.n, 3);
  free(s);
  free(rd.s);
  return 0;
}
