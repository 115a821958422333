# What `cmake --install` (and CPack) puts where. Included from the top-level CMakeLists.txt after
# include(GNUInstallDirs); the binary's own rule is in daemon/CMakeLists.txt.
#
#   ${CMAKE_INSTALL_BINDIR}/tributary
#   ${TRIBUTARY_SYSTEMD_UNITDIR}/tributary.service   generated from systemd/tributary.service with
#                                                    ExecStart naming the installed binary
#   ${TRIBUTARY_SYSUSERSDIR}/tributary.conf          systemd/tributary.sysusers, when the repo has it
#   ${TRIBUTARY_TMPFILESDIR}/tributary.conf          systemd/tributary.tmpfiles, when the repo has it
#   ${TRIBUTARY_CONFIG_DIR}/feeds.conf               the example, only when no file is there yet
#   ${CMAKE_INSTALL_DOCDIR}/                         README.md, feeds.conf.example
#   ${CMAKE_INSTALL_MANDIR}/man8/tributary.8, man5/feeds.conf.5
#
# The unit and the example are generated at install time, not at configure time: the prefix may
# be given then (`cmake --install build --prefix /usr`, or CPack's packaging prefix), and
# ExecStart must name the binary where it actually lands.

# Relative to the install prefix: systemd reads units, sysusers.d and tmpfiles.d under both
# /usr/lib and /usr/local/lib. Not CMAKE_INSTALL_LIBDIR, which is lib/<multiarch> for /usr.
set(TRIBUTARY_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "Where the systemd unit is installed (relative to the prefix, or absolute)")
set(TRIBUTARY_SYSUSERSDIR "lib/sysusers.d" CACHE STRING "Where the sysusers.d snippet is installed")
set(TRIBUTARY_TMPFILESDIR "lib/tmpfiles.d" CACHE STRING "Where the tmpfiles.d snippet is installed")
# Absolute: the unit's ConfigurationDirectory= and StateDirectory= are /etc/<name> and
# /var/lib/<name> whatever the prefix.
set(TRIBUTARY_CONFIG_DIR "/etc/tributary" CACHE PATH "Where the example feeds.conf is installed when absent")
set(TRIBUTARY_STATE_DIR "/var/lib/tributary" CACHE PATH
    "Where the installed example config keeps the database and published files")

# Man pages carry the version.
foreach(page tributary.8 feeds.conf.5)
  configure_file(${PROJECT_SOURCE_DIR}/man/${page} ${PROJECT_BINARY_DIR}/man/${page} @ONLY)
endforeach()
install(FILES ${PROJECT_BINARY_DIR}/man/tributary.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${PROJECT_BINARY_DIR}/man/feeds.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)

install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/feeds.conf DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME feeds.conf.example)

# The generated files: variables for cmake/InstallFiles.cmake, which runs in the same scope.
install(CODE "
set(TRIBUTARY_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
set(TRIBUTARY_WORK_DIR \"${PROJECT_BINARY_DIR}/install-generated\")
set(TRIBUTARY_BINDIR \"${CMAKE_INSTALL_BINDIR}\")
set(TRIBUTARY_DOCDIR \"${CMAKE_INSTALL_DOCDIR}\")
set(TRIBUTARY_SYSTEMD_UNITDIR \"${TRIBUTARY_SYSTEMD_UNITDIR}\")
set(TRIBUTARY_SYSUSERSDIR \"${TRIBUTARY_SYSUSERSDIR}\")
set(TRIBUTARY_TMPFILESDIR \"${TRIBUTARY_TMPFILESDIR}\")
set(TRIBUTARY_CONFIG_DIR \"${TRIBUTARY_CONFIG_DIR}\")
set(TRIBUTARY_STATE_DIR \"${TRIBUTARY_STATE_DIR}\")
")
install(SCRIPT ${CMAKE_CURRENT_LIST_DIR}/InstallFiles.cmake)
