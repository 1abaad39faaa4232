package se.lusfhir.hapi;

import ca.uhn.fhir.rest.server.RestfulServer;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.ServletWebServerFactoryAutoConfiguration;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Entry point: an embedded Tomcat serving one HAPI {@link RestfulServer} at {@code /fhir/*}.
 *
 * <p>Only the servlet web server is auto-configured; everything else (data source, JPA, HAPI beans)
 * is declared explicitly in {@link FhirServerConfig}, so no Spring Boot auto-configuration (JPA,
 * Quartz, Flyway, ...) competes with HAPI's own configuration.
 *
 * <p>Settings (system properties or Spring properties, e.g. {@code --server.port=8090}):
 *
 * <ul>
 *   <li>{@code server.port} / {@code server.address}: listen address (default 127.0.0.1:8080)
 *   <li>{@code lus.ig.package}: path of the guide's NPM package (.tgz) installed at start-up
 *   <li>{@code lus.ig.report}: optional path where the package install outcome is written (JSON)
 *   <li>{@code lus.db.url}, {@code lus.db.username}, {@code lus.db.password}: JDBC database
 *       (default: H2 in memory); a {@code jdbc:postgresql:} URL selects the PostgreSQL dialect
 *   <li>{@code lus.subscriptions.interval-ms}: how often changes are handed to rest-hook Subscription
 *       matching (default HAPI's 5000); with start.sh: {@code HAPI_JAVA_OPTS=-Dlus.subscriptions.interval-ms=100}
 * </ul>
 */
@SpringBootConfiguration
@ImportAutoConfiguration({PropertyPlaceholderAutoConfiguration.class, ServletWebServerFactoryAutoConfiguration.class})
@Import(FhirServerConfig.class)
public class Application {

	public static void main(String[] args) {
		SpringApplication app = new SpringApplication(Application.class);
		app.run(args);
	}

	@Bean
	public ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer restfulServer) {
		ServletRegistrationBean<RestfulServer> registration =
				new ServletRegistrationBean<>(restfulServer, "/fhir/*");
		registration.setName("fhir");
		registration.setLoadOnStartup(1);
		return registration;
	}
}
