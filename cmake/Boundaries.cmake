# The house's boundaries, checked when CMake configures: libmatch's layers
# link no service; no service links another's library (serve and the
# homeward command compose them); a service's own state is linked only by
# the service, serve, the CLI and the tools named here. Breaking a rule
# stops the configure step with the edge that breaks it.
set(MT_LAYERS match_base match_face match_index match_wire)
set(MT_SERVICES service_common broker shard results backup intake gateway)
# state library -> the libraries besides serve and the CLI that may link it
set(MT_STATE_casestore results backup)
set(MT_STATE_accounts gateway)

function(mt_check_links lib)
  get_target_property(deps ${lib} LINK_LIBRARIES)
  if(NOT deps)
    return()
  endif()
  foreach(dep ${deps})
    if(lib IN_LIST MT_LAYERS AND (dep IN_LIST MT_SERVICES OR DEFINED MT_STATE_${dep}))
      message(FATAL_ERROR "boundary: libmatch's ${lib} links the service library ${dep}")
    endif()
    if(lib IN_LIST MT_SERVICES AND dep IN_LIST MT_SERVICES AND NOT dep STREQUAL service_common)
      message(FATAL_ERROR "boundary: the service ${lib} links another service's ${dep}")
    endif()
    if(DEFINED MT_STATE_${dep} AND NOT lib IN_LIST MT_STATE_${dep})
      string(REPLACE ";" ", " owners "${MT_STATE_${dep}}")
      message(FATAL_ERROR "boundary: ${lib} links ${dep}, which only ${owners}, serve and "
              "the CLI may link")
    endif()
  endforeach()
endfunction()

foreach(lib ${MT_LAYERS} ${MT_SERVICES} casestore accounts)
  mt_check_links(${lib})
endforeach()
