# The web app's unit tests (Vitest, jsdom): the WebSocket client, the API error mapping, the
# server clock, the schema-driven product form, chat rendering. Node and npm come from the
# machine; the dependencies from the committed package-lock.json (`npm ci` when node_modules is
# missing). The TypeScript types are generated from protos/ first (npm test runs `gen`).
if(SHOPCAST_BUILD_TESTS)
  find_program(SHOPCAST_NPM npm)
  find_program(SHOPCAST_NODE node)
  if(SHOPCAST_NPM AND SHOPCAST_NODE)
    set(_web_dir ${CMAKE_CURRENT_SOURCE_DIR}/web)
    add_test(NAME gateway_web_unit_test
      COMMAND sh -c "cd '${_web_dir}' && { [ -d node_modules ] || '${SHOPCAST_NPM}' ci --no-audit --no-fund; } && '${SHOPCAST_NPM}' test --silent"
    )
    set_tests_properties(gateway_web_unit_test PROPERTIES
      LABELS unit
      TIMEOUT 600
      # npm ci rewrites node_modules: never two of these at once
      RESOURCE_LOCK gateway_web_node_modules)
  else()
    message(STATUS "gateway web: node/npm not found; gateway_web_unit_test not registered")
  endif()
endif()
