# `cpack -G DEB` in the build directory makes tributary_<version>_<arch>.deb: the install rules
# of cmake/Install.cmake under /usr, dependencies computed by dpkg-shlibdeps (package dpkg-dev),
# maintainer scripts from cmake/debian/, and /etc/tributary/feeds.conf as a conffile, so that an
# upgrade never replaces the operator's edits.

set(TRIBUTARY_PACKAGE_MAINTAINER "Tributary developers <tributary@example.org>" CACHE STRING
    "Maintainer field of the .deb")

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "tributary")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "feed aggregator daemon: many feeds in, one merged feed out")
set(CPACK_PACKAGE_DESCRIPTION
    "Tributary polls RSS and Atom feeds, converts them to UTF-8 (windows-1256 included),
removes duplicate items and stories republished by several sites, keeps
everything in SQLite, and publishes merged RSS, Atom and JSON feeds as files
and over HTTP. It runs as a systemd service.")
set(CPACK_PACKAGE_CONTACT "${TRIBUTARY_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_INSTALL_PREFIX "/usr")  # the prefix CPack installs under when it uses DESTDIR
# Absolute destinations (/etc/tributary) need DESTDIR; cmake/InstallFiles.cmake reads it to
# decide whether a feeds.conf is already there (in the staging root: never).
set(CPACK_SET_DESTDIR ON)
set(CPACK_STRIP_FILES ON)  # a release package; debug builds come from the source
set(CPACK_DEBIAN_FILE_NAME "DEB-DEFAULT")
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${TRIBUTARY_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "systemd")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)

# Maintainer scripts and conffiles, with the paths this package installs to.
function(tributary_package_path out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CPACK_PACKAGING_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
tributary_package_path(sysusers_dir "${TRIBUTARY_SYSUSERSDIR}")
tributary_package_path(tmpfiles_dir "${TRIBUTARY_TMPFILESDIR}")
set(SYSUSERS_CONF "${sysusers_dir}/tributary.conf")
set(TMPFILES_CONF "${tmpfiles_dir}/tributary.conf")
set(debian_dir "${PROJECT_BINARY_DIR}/debian")
foreach(script postinst prerm postrm)
  configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/${script}.in ${debian_dir}/${script} @ONLY
                 FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
                                  WORLD_EXECUTE)
endforeach()
file(WRITE ${debian_dir}/conffiles "${TRIBUTARY_CONFIG_DIR}/feeds.conf\n")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${debian_dir}/postinst ${debian_dir}/prerm ${debian_dir}/postrm
                                       ${debian_dir}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
