/*
 * online_load — steady-rate single-row INSERT load with per-insert latency, for measuring how long
 * a schema change stalls writers ("online" migrations: no writer may wait more than 200 ms).
 *
 * Build (Debian 12: libpq-dev, libmariadb-dev, libsqlite3-dev):
 *   cc -O2 -Wall -o online_load bench/online/online_load.c \
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
 * Output (stdout, one line, then up to 5 worst inserts):
 *   LABEL n=… err=… p50=…ms p99=…ms max=…ms maxlag=…ms >200ms=… first_err="…"
 * latency = time the INSERT call took; lag = completion time minus its scheduled start time.
 * Errors are counted, the connection is re-opened after a lost connection, and the load goes on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
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

/* 0 ok, -1 statement error (connection kept), -2 connection lost */
static int conn_exec(Conn *c, const char *sql, char *err, size_t errlen) {
  if (c->pg) {
    PGresult *r = PQexec(c->pg, sql);
    int st = PQresultStatus(r), rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      const char *code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      snprintf(err, errlen, "%s %s", code ? code : "-----", PQerrorMessage(c->pg));
      rc = PQstatus(c->pg) == CONNECTION_OK ? -1 : -2;
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
    if (res) mysql_free_result(res);
    return 0;
  }
  if (c->lite) {
    char *m = NULL;
    if (sqlite3_exec(c->lite, sql, NULL, NULL, &m) != SQLITE_OK) {
      snprintf(err, errlen, "%d %s", sqlite3_extended_errcode(c->lite), m ? m : "");
      sqlite3_free(m);
      return -1;
    }
    return 0;
  }
  snprintf(err, errlen, "not connected");
  return -2;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}
static int cmp_sample_lat_desc(const void *a, const void *b) {
  double x = ((const Sample *)a)->lat_us, y = ((const Sample *)b)->lat_us;
  return x < y ? 1 : x > y ? -1 : 0;
}

int main(int argc, char **argv) {
  Conn c = {.backend = "pg", .busy_ms = 10000};
  double rate = 50, secs = 0;
  const char *sql = kDefaultSql, *csv = NULL, *label = "load", *stopfile = NULL;
  int opt;
  while ((opt = getopt(argc, argv, "b:d:r:t:s:B:o:l:x:")) != -1) {
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
      default: fprintf(stderr, "see the header of online_load.c for usage\n"); return 2;
    }
  }
  if (!c.dsn || rate <= 0) { fprintf(stderr, "need -d DSN and a positive -r\n"); return 2; }
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);

  char err[1024], first_err[1024] = "";
  if (conn_open(&c, err, sizeof err)) { fprintf(stderr, "connect: %s\n", err); return 1; }

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
  conn_close(&c);
  if (!n) { printf("%s n=0\n", label); return 0; }

  double *lat = malloc(n * sizeof *lat), maxlag = 0;
  long over = 0;
  for (size_t i = 0; i < n; ++i) {
    lat[i] = s[i].lat_us;
    if (s[i].lag_us > maxlag) maxlag = s[i].lag_us;
    if (s[i].lat_us > 200000) ++over;
  }
  qsort(lat, n, sizeof *lat, cmp_double);
  double p50 = lat[(size_t)floor(0.50 * (n - 1))], p99 = lat[(size_t)floor(0.99 * (n - 1))], mx = lat[n - 1];
  for (char *p = first_err; *p; ++p)
    if (*p == '\n' || *p == '"') *p = ' ';
  printf("%s n=%zu err=%ld reconnects=%ld p50=%.2fms p99=%.2fms max=%.1fms maxlag=%.1fms >200ms=%ld first_err=\"%s\"\n",
         label, n, errors, reconnects, p50 / 1e3, p99 / 1e3, mx / 1e3, maxlag / 1e3, over, first_err);
  qsort(s, n, sizeof *s, cmp_sample_lat_desc);
  for (size_t i = 0; i < n && i < 5; ++i) {
    time_t sec = (time_t)(s[i].wall_ms / 1000);
    struct tm tm;
    localtime_r(&sec, &tm);
    printf("  worst#%zu at %02d:%02d:%02d.%03d latency=%.1fms ok=%d\n", i + 1, tm.tm_hour, tm.tm_min, tm.tm_sec,
           (int)fmod(s[i].wall_ms, 1000), s[i].lat_us / 1e3, s[i].ok);
  }
  free(lat);
  free(s);
  return 0;
}
