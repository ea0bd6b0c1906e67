package org.knit.am;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.yarn.api.protocolrecords.AllocateResponse;
import org.apache.hadoop.yarn.api.records.AMCommand;
import org.apache.hadoop.yarn.api.records.Container;
import org.apache.hadoop.yarn.api.records.ContainerStatus;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.api.records.NMToken;
import org.apache.hadoop.yarn.api.records.NodeReport;
import org.apache.hadoop.yarn.api.records.Resource;
import org.apache.hadoop.yarn.api.records.UpdatedContainer;
import org.apache.hadoop.yarn.client.api.AMRMClient.ContainerRequest;
import org.apache.hadoop.yarn.client.api.impl.AMRMClientImpl;

/**
 * YARN's real AMRMClient with its two RPCs to the RM replaced: {@code allocate} answers what the test queued (an
 * empty response when nothing is queued), {@code unregisterApplicationMaster} records how the AM ended. Unit tests
 * only: no RM is involved.
 */
final class FakeRm extends AMRMClientImpl<ContainerRequest> {
  private final BlockingQueue<Object> answers = new ArrayBlockingQueue<>(100);
  final CountDownLatch unregistered = new CountDownLatch(1);
  volatile FinalApplicationStatus finalStatus;
  volatile String finalDiagnostics;

  static AllocateResponse response(List<Container> allocated, List<ContainerStatus> completed, AMCommand command) {
    return AllocateResponse.newInstance(1, completed, allocated, new ArrayList<NodeReport>(),
        Resource.newInstance(0, 0), command, 1, null, new ArrayList<NMToken>(), null,
        new ArrayList<UpdatedContainer>());
  }

  void answer(AllocateResponse r) {
    answers.add(r);
  }

  void fail(Exception e) {
    answers.add(e);
  }

  @Override
  public AllocateResponse allocate(float progress) throws org.apache.hadoop.yarn.exceptions.YarnException,
      java.io.IOException {
    Object next;
    try {
      next = answers.poll(50, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      next = null;
    }
    if (next instanceof java.io.IOException) {
      throw (java.io.IOException) next;
    }
    return next != null ? (AllocateResponse) next : response(Collections.<Container>emptyList(),
        Collections.<ContainerStatus>emptyList(), null);
  }

  @Override
  public void unregisterApplicationMaster(FinalApplicationStatus status, String message, String url) {
    finalStatus = status;
    finalDiagnostics = message;
    unregistered.countDown();
  }
}
