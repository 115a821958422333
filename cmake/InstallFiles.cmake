# Run by `cmake --install` (see cmake/Install.cmake, which sets the TRIBUTARY_* variables):
# generates and installs the systemd unit and the example feeds.conf, and the sysusers.d and
# tmpfiles.d snippets when the repository has them. CMAKE_INSTALL_PREFIX is the prefix of this
# install, whatever the build was configured with; file(INSTALL) adds $ENV{DESTDIR}.

function(tributary_full_path out dir)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  else()
    set(${out} "${CMAKE_INSTALL_PREFIX}/${dir}" PARENT_SCOPE)
  endif()
endfunction()

tributary_full_path(bindir "${TRIBUTARY_BINDIR}")
tributary_full_path(docdir "${TRIBUTARY_DOCDIR}")
tributary_full_path(unitdir "${TRIBUTARY_SYSTEMD_UNITDIR}")
tributary_full_path(sysusersdir "${TRIBUTARY_SYSUSERSDIR}")
tributary_full_path(tmpfilesdir "${TRIBUTARY_TMPFILESDIR}")
file(MAKE_DIRECTORY "${TRIBUTARY_WORK_DIR}")

# The unit: the repository's, with ExecStart, the config path and the documentation path
# pointing where this install puts them.
file(READ "${TRIBUTARY_SOURCE_DIR}/systemd/tributary.service" unit)
string(REGEX REPLACE "(ExecStart=[-@:+!]*)[^ \n]*/tributary([ \n])" "\\1${bindir}/tributary\\2" unit "${unit}")
string(REGEX REPLACE "-c [^ \n]*/feeds\\.conf" "-c ${TRIBUTARY_CONFIG_DIR}/feeds.conf" unit "${unit}")
string(REGEX REPLACE "file://[^ \n]*/share/doc/tributary/" "file://${docdir}/" unit "${unit}")
string(FIND "${unit}" "ExecStart=${bindir}/tributary " at)
if(at EQUAL -1)
  message(FATAL_ERROR "systemd/tributary.service: no ExecStart=…/tributary line to point at ${bindir}/tributary")
endif()
file(WRITE "${TRIBUTARY_WORK_DIR}/tributary.service" "${unit}")
file(INSTALL DESTINATION "${unitdir}" TYPE FILE FILES "${TRIBUTARY_WORK_DIR}/tributary.service")

# sysusers.d and tmpfiles.d read only *.conf files.
foreach(kind sysusers tmpfiles)
  set(snippet "${TRIBUTARY_SOURCE_DIR}/systemd/tributary.${kind}")
  if(EXISTS "${snippet}")
    configure_file("${snippet}" "${TRIBUTARY_WORK_DIR}/${kind}/tributary.conf" COPYONLY)
    file(INSTALL DESTINATION "${${kind}dir}" TYPE FILE FILES "${TRIBUTARY_WORK_DIR}/${kind}/tributary.conf")
  endif()
endforeach()

# The example configuration: the shipped feeds.conf with its state/ paths moved to the state
# directory. Installed only when no feeds.conf is there: the operator's file is never replaced.
file(READ "${TRIBUTARY_SOURCE_DIR}/feeds.conf" example)
string(REGEX REPLACE "(\n[a-z_]*path[ \t]*=[ \t]*|\ndatabase[ \t]*=[ \t]*)state/" "\\1${TRIBUTARY_STATE_DIR}/"
       example "${example}")
string(FIND "${example}" "database = ${TRIBUTARY_STATE_DIR}/" at)
if(at EQUAL -1)
  message(FATAL_ERROR "feeds.conf: no 'database = state/…' line to move to ${TRIBUTARY_STATE_DIR}")
endif()
file(WRITE "${TRIBUTARY_WORK_DIR}/feeds.conf" "${example}")
set(config "${TRIBUTARY_CONFIG_DIR}/feeds.conf")
if(EXISTS "$ENV{DESTDIR}${config}")
  message(STATUS "Keeping: $ENV{DESTDIR}${config} (the example is ${docdir}/feeds.conf.example)")
else()
  file(INSTALL DESTINATION "${TRIBUTARY_CONFIG_DIR}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       FILES "${TRIBUTARY_WORK_DIR}/feeds.conf")
endif()
