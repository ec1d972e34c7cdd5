// The per-tree migration lock of a SQLite database: an open-file-description lock (F_OFD_SETLK)
// on one byte of "<dbfile>-migrate.lock", the byte chosen by the tree name. The kernel releases it
// when the holder exits or crashes, and two trees (or two connections in one process) never block
// each other by accident, unlike flock() on one file.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "core/base/errors.h"
#include "dialects/sqlite/sqlite_connection.h"

namespace tsm::sqlite {
namespace {

class FileLock : public Lock {
 public:
  explicit FileLock(int fd) : fd_(fd) {}
  ~FileLock() override { ::close(fd_); }  // closing the description releases the lock

 private:
  int fd_;
};

off_t byte_for(const std::string& tree) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (unsigned char c : tree) h = (h ^ c) * 1099511628211ULL;
  return static_cast<off_t>(h % 1000003);
}

bool try_lock(int fd, off_t byte) {
  struct flock fl;
  std::memset(&fl, 0, sizeof fl);
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;
  fl.l_start = byte;
  fl.l_len = 1;
  if (::fcntl(fd, F_OFD_SETLK, &fl) == 0) return true;
  if (errno == EAGAIN || errno == EACCES || errno == EINTR) return false;
  throw MigrationError(fmt::format("cannot lock the migration lock file: {}", std::strerror(errno)));
}

}  // namespace

std::unique_ptr<Lock> acquire_file_lock(const std::string& db_path, const std::string& tree,
                                        std::chrono::seconds timeout,
                                        const std::function<void(const std::string&)>& waiting) {
  const std::string lock_path = db_path + "-migrate.lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw MigrationError(fmt::format("cannot open lock file {}: {}", lock_path, std::strerror(errno)));
  const off_t byte = byte_for(tree);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool told = false;
  try {
    while (!try_lock(fd, byte)) {
      if (!told && waiting) {
        waiting(fmt::format("another turnstone-migrate process holds {} (tree {})", lock_path, tree));
        told = true;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        ::close(fd);
        throw LockTimeoutError(fmt::format("timed out after {} s waiting for the migration lock on {} (tree {})",
                                           timeout.count(), lock_path, tree));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  } catch (const MigrationError&) {
    ::close(fd);
    throw;
  }
  return std::make_unique<FileLock>(fd);
}

}  // namespace tsm::sqlite
