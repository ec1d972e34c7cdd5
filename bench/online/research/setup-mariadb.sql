-- 1M-row log_entries (turnstone revision 1 shape, MariaDB rendering) for bench/online; needs the SEQUENCE engine (seq_1_to_1000000, built in). Run: mariadb bench < setup-mariadb.sql
DROP TABLE IF EXISTS log_entries;
CREATE TABLE log_entries (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  source_id VARCHAR(255) NOT NULL,
  `timestamp` DATETIME(6) NOT NULL,
  severity VARCHAR(16) NOT NULL DEFAULT 'INFO',
  hostname TEXT NULL, service TEXT NULL,
  message TEXT NOT NULL,
  raw TEXT NULL,
  matched_patterns JSON NOT NULL DEFAULT '[]',
  ingested_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
SET @t = NOW(6);
INSERT INTO log_entries (source_id, `timestamp`, severity, hostname, service, message)
SELECT ELT(1 + seq % 4, 'journald:sshd','docker:sonarr','network-syslog','file:/var/log/nginx/access.log'),
       TIMESTAMP'2026-01-01 00:00:00' + INTERVAL seq SECOND,
       ELT(1 + seq % 7, 'DEBUG','INFO','INFO','INFO','WARNING','ERROR','CRITICAL'),
       CONCAT('host', seq % 50), ELT(1 + seq % 5, 'sshd','sonarr','nginx','kernel','cron'),
       CONCAT(ELT(1 + seq % 10, 'auth','authentication','session','connection','kernel','cron','dockerd','sonarr','nginx','systemd'),
         ' failure for user u', seq % 977, ' from 10.', seq % 256, '.', seq DIV 7 % 256, '.', seq DIV 13 % 256,
         ' port ', 1024 + seq % 60000, ' ssh2: request ', MD5(seq), ' trace ', SUBSTR(MD5(seq * 7), 1, 16),
         ' status=', 200 + seq % 5 * 100, ' bytes=', seq % 100000, ' elapsed=', seq % 5000, 'ms retry later')
FROM seq_1_to_1000000;
SELECT TIMESTAMPDIFF(MICROSECOND, @t, NOW(6)) / 1e6 AS insert_s;
SET @t = NOW(6);
CREATE INDEX idx_log_entries_source_ts ON log_entries (source_id, `timestamp`);
CREATE INDEX idx_log_entries_severity_ts ON log_entries (severity, `timestamp`);
SELECT TIMESTAMPDIFF(MICROSECOND, @t, NOW(6)) / 1e6 AS index_s;
ANALYZE TABLE log_entries;
SELECT AVG(LENGTH(message)) avg_msg, COUNT(*) FROM log_entries;
SELECT data_length/1048576 data_mb, index_length/1048576 idx_mb FROM information_schema.TABLES WHERE table_schema='bench' AND table_name='log_entries';
