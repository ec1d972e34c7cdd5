# Install layout (binary + man page) and the Debian package: `cpack -G DEB` in a build dir.
include(GNUInstallDirs)

# The man page is kept by hand in docs/ and gzipped at build time, as Debian policy wants.
set(TSM_MANPAGE_SOURCE ${PROJECT_SOURCE_DIR}/docs/turnstone-migrate.1)
set(TSM_MANPAGE_GZ ${PROJECT_BINARY_DIR}/turnstone-migrate.1.gz)
find_program(TSM_GZIP gzip REQUIRED)
add_custom_command(
  OUTPUT ${TSM_MANPAGE_GZ}
  COMMAND ${CMAKE_COMMAND} -E copy ${TSM_MANPAGE_SOURCE} ${PROJECT_BINARY_DIR}/turnstone-migrate.1
  COMMAND ${TSM_GZIP} -9nf ${PROJECT_BINARY_DIR}/turnstone-migrate.1
  DEPENDS ${TSM_MANPAGE_SOURCE}
  COMMENT "Compressing the man page"
  VERBATIM)
add_custom_target(manpage ALL DEPENDS ${TSM_MANPAGE_GZ})
install(FILES ${TSM_MANPAGE_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

set(TSM_PACKAGE_MAINTAINER "Turnstone maintainers <turnstone@localhost>"
    CACHE STRING "Maintainer field of the .deb")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME turnstone-migrate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${TSM_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "schema migrations for Turnstone on SQLite, PostgreSQL and MariaDB")
set(CPACK_PACKAGE_DESCRIPTION
    "turnstone-migrate applies, reverts and inspects the revisions of Turnstone's database schema
with Alembic's semantics (branches, merges, labels, dependencies), on an embedded SQLite file,
PostgreSQL or MariaDB/MySQL.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # turnstone-migrate_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${TSM_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION database)
# Depends: computed from the binary by dpkg-shlibdeps (dpkg-dev) when it is there; otherwise the
# runtime packages of Debian 12 that the Dockerfile's runtime stage installs too.
find_program(TSM_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(TSM_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libpqxx-6.4, libpq5, libmariadb3, libsqlite3-0, libfmt9, libspdlog1.10, libssl3, libstdc++6, libgcc-s1, libc6")
endif()
include(CPack)
