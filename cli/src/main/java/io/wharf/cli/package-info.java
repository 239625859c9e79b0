/**
 * The {@code wharf} command line: {@link io.wharf.cli.CliMain} builds the picocli command tree.
 * Every command talks to a node through the REST API only ({@link io.wharf.api.client.ApiClient}),
 * prints aligned tables for people or the API's JSON with {@code -o json}, and turns a failure
 * into {@code error:}/{@code hint:}/{@code (code: ...)} on stderr with the exit code of its
 * {@link io.wharf.core.ErrorCode}. Usage errors exit 2 with picocli's message.
 */
package io.wharf.cli;
