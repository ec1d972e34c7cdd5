// Every compiled unit under versions/ must be in the binary: static registration is easy to lose
// to the linker (an archive drops unreferenced objects), so compare the source tree with the registry.
#include <catch2/catch.hpp>

#include <filesystem>
#include <set>

#include "core/graph/registry.h"

TEST_CASE("the linker keeps every revision unit under versions/", "[registry]") {
  std::set<std::string> registered;
  for (const auto& rev : tsm::compiled_revisions()) registered.insert(rev.origin);
  std::set<std::string> files;
  for (const auto& tree : std::filesystem::directory_iterator(std::string(TSM_SOURCE_DIR) + "/versions"))
    for (const auto& f : std::filesystem::directory_iterator(tree.path()))
      if (f.path().extension() == ".cpp")
        files.insert("versions/" + tree.path().filename().string() + "/" + f.path().filename().string());
  REQUIRE(files.size() >= 10);
  for (const auto& f : files) {
    INFO(f);
    CHECK(registered.count(f) == 1);
  }
}

TEST_CASE("a revision builder records parents, labels, dependencies and its tree", "[registry]") {
  tsm::RevisionBuilder b("abc123def456", "merge things", "/src/x/versions/main/0009_merge.cpp");
  b.after({"aaaa11112222", "bbbb33334444"}).branch_label("reports").depends_on("cccc55556666").tree("context");
  const auto& r = b.revision();
  CHECK(r.down_revisions == std::vector<std::string>{"aaaa11112222", "bbbb33334444"});
  CHECK(r.branch_labels == std::vector<std::string>{"reports"});
  CHECK(r.depends_on == std::vector<std::string>{"cccc55556666"});
  CHECK(r.tree == "context");
  CHECK(r.origin == "versions/main/0009_merge.cpp");
  CHECK(r.upgrade_ops().empty());
}

TEST_CASE("revision ids and tree names are validated for SQL and file safety", "[registry]") {
  CHECK(tsm::is_valid_revision_id("46e594ad4dde"));
  CHECK(tsm::is_valid_revision_id("rev_1"));
  CHECK_FALSE(tsm::is_valid_revision_id(""));
  CHECK_FALSE(tsm::is_valid_revision_id("a'; DROP TABLE x; --"));
  CHECK_FALSE(tsm::is_valid_revision_id(std::string(33, 'a')));
  CHECK(tsm::is_valid_tree_name("context"));
  CHECK_FALSE(tsm::is_valid_tree_name("Context"));
  CHECK_FALSE(tsm::is_valid_tree_name("9tree"));
  CHECK(tsm::version_table_for("main") == "turnstone_version");
  CHECK(tsm::version_table_for("context") == "turnstone_context_version");
  CHECK(tsm::version_table_for("plugin") == "turnstone_plugin_version");
}
