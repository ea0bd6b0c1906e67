package org.knit.localcluster;

import java.lang.reflect.Field;

import com.google.inject.servlet.GuiceFilter;
import org.apache.hadoop.service.Service;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.nodemanager.NodeManager;
import org.apache.hadoop.yarn.server.resourcemanager.ResourceManager;
import org.apache.hadoop.yarn.webapp.WebApp;
import org.eclipse.jetty.servlet.FilterHolder;

/**
 * Makes every web app of a MiniYARNCluster answer its own requests.
 *
 * <p>Hadoop's {@code WebApps} installs Guice's filter by class name, so Jetty creates it without injection, and
 * such a {@code GuiceFilter} routes through Guice's one static pipeline: the pipeline of the last injector
 * created in the JVM. With a ResourceManager and NodeManagers in one JVM, the last NodeManager's routes then
 * answer on every port ({@code /ws/v1/cluster/...} on the RM port is a 404, other NodeManagers serve the wrong
 * containers' logs). Each {@code WebApp} keeps the injected filter of its own injector; we give its pipeline to
 * the filter instance Jetty actually calls. Reflection, because none of these fields is public; this is a
 * test-cluster fix only and never runs in Knit's client or ApplicationMaster.
 */
final class GuiceFilterFix {

  private GuiceFilterFix() {
  }

  /** Fixes every running RM and NodeManager web app (again after one of them was restarted: idempotent). */
  static void apply(MiniYARNCluster yarn, int rms, int nodes) throws ReflectiveOperationException {
    for (int i = 0; i < rms; i++) {
      ResourceManager rm = yarn.getResourceManager(i);
      if (rm != null && rm.getServiceState() == Service.STATE.STARTED) {
        fix((WebApp) field(rm, "webApp"));
      }
    }
    for (int i = 0; i < nodes; i++) {
      NodeManager nm = yarn.getNodeManager(i);
      if (nm.getServiceState() == Service.STATE.STARTED) {
        Object webServer = field(nm.getNMContext(), "webServer");
        fix((WebApp) field(webServer, "webApp"));
      }
    }
  }

  private static void fix(WebApp webApp) throws ReflectiveOperationException {
    GuiceFilter injected = (GuiceFilter) field(webApp, "guiceFilter");
    FilterHolder holder = webApp.httpServer().getWebAppContext().getServletHandler().getFilter("guice");
    GuiceFilter jettys = (GuiceFilter) holder.getFilter();
    Field pipeline = GuiceFilter.class.getDeclaredField("injectedPipeline");
    pipeline.setAccessible(true);
    pipeline.set(jettys, pipeline.get(injected));
  }

  private static Object field(Object target, String name) throws ReflectiveOperationException {
    for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
      } catch (NoSuchFieldException e) {
        // look in the superclass
      }
    }
    throw new NoSuchFieldException(target.getClass().getName() + "." + name);
  }
}
